// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` here are IAM policy variables.
import { describe, expect, it } from "vitest";
import { compilePolicyData, type SourceDocument } from "./compile.js";
import { compileConditions, parseDate, parseOperator } from "./condition-operators.js";
import { compilePattern } from "./patterns.js";

const source = (document: unknown, boundary = false, name = "d.json"): SourceDocument => ({
  name,
  document,
  boundary,
});

describe("compilePattern", () => {
  it("keeps literals exact and `*` alone as anything", () => {
    expect(compilePattern("arn:aws:s3:::orders", "wildcard")).toEqual({ s: "arn:aws:s3:::orders" });
    expect(compilePattern("*", "wildcard")).toEqual({ any: true });
    expect(compilePattern("*", "literal")).toEqual({ s: "*" });
  });

  it("turns a trailing * into a prefix and other wildcards into an anchored expression", () => {
    expect(compilePattern("arn:aws:s3:::orders/*", "wildcard")).toEqual({
      p: "arn:aws:s3:::orders/",
    });
    expect(compilePattern("arn:aws:s3:::orders/*.csv", "wildcard")).toEqual({
      re: "^arn:aws:s3:::orders/(?s:.*)\\.csv$",
    });
    expect(compilePattern("a?c", "wildcard")).toEqual({ re: "^a(?s:.)c$" });
    expect(compilePattern("S3:Get*", "wildcard", { lowerCase: true })).toEqual({ p: "s3:get" });
  });

  it("keeps ARN wildcards within the first five components", () => {
    expect(compilePattern("arn:aws:iam::*:role/*", "arn")).toEqual({
      re: "^arn:aws:iam::[^:]*:role/(?s:.*)$",
    });
    expect(compilePattern("arn:?ws:*", "arn")).toEqual({ re: "^arn:[^:]ws:[^:]*$" });
  });

  it("escapes regular-expression characters", () => {
    expect(compilePattern("a.b+c(d)?", "wildcard")).toEqual({ re: "^a\\.b\\+c\\(d\\)(?s:.)$" });
    expect(compilePattern("a.b+c(d)*", "wildcard")).toEqual({ p: "a.b+c(d)" });
  });

  it("compiles policy variables, defaults and the ${*} ${?} ${$} escapes", () => {
    expect(compilePattern("home/${aws:username}/*", "wildcard")).toEqual({
      tpl: [{ lit: "home/", re: "home/" }, { var: "aws:username" }, { lit: "/*", re: "/(?s:.*)" }],
    });
    expect(compilePattern("${aws:PrincipalTag/team, 'none'}", "literal")).toEqual({
      tpl: [{ var: "aws:principaltag/team", default: "none" }],
    });
    expect(compilePattern("a${*}b${?}c${$}", "wildcard")).toEqual({ s: "a*b?c$" });
    expect(compilePattern("a${*}*", "wildcard")).toEqual({ p: "a*" });
    expect(compilePattern("a${?}?", "wildcard")).toEqual({ re: "^a\\?(?s:.)$" });
  });

  it("leaves ${…} alone when variables are off (documents before 2012-10-17)", () => {
    expect(compilePattern("home/${aws:username}/*", "wildcard", { variables: false })).toEqual({
      p: "home/${aws:username}/",
    });
    expect(compilePattern("${aws:username", "wildcard", { variables: false })).toEqual({
      s: "${aws:username",
    });
  });

  it("reports malformed variables", () => {
    expect(compilePattern("home/${aws:username", "wildcard")).toBeInstanceOf(Error);
    expect(compilePattern("home/${a b}", "wildcard")).toBeInstanceOf(Error);
  });
});

describe("parseOperator", () => {
  it("reads set qualifiers, IfExists and negation, case-insensitively", () => {
    expect(parseOperator("ForAnyValue:StringNotLikeIfExists")).toEqual({
      op: "str_like",
      negated: true,
      ifExists: true,
      set: "any",
    });
    expect(parseOperator("forallvalues:arnequals")).toEqual({
      op: "arn_like",
      negated: false,
      ifExists: false,
      set: "all",
    });
    expect(parseOperator("NumericLessThanEquals")).toEqual({
      op: "num_lte",
      negated: false,
      ifExists: false,
      set: "",
    });
    expect(parseOperator("DateNotEquals")).toEqual({
      op: "date_eq",
      negated: true,
      ifExists: false,
      set: "",
    });
  });

  it("refuses unknown operators and Null with a qualifier", () => {
    expect(parseOperator("StringEqualz")).toBeUndefined();
    expect(parseOperator("NumericNotLessThan")).toBeUndefined();
    expect(parseOperator("NullIfExists")).toBeUndefined();
    expect(parseOperator("ForAnyValue:Null")).toBeUndefined();
  });
});

describe("parseDate", () => {
  it.each([
    ["2026-01-01", 1767225600],
    ["2026-01-01T00:00:00Z", 1767225600],
    ["2026-01-01T05:30:00+05:30", 1767225600],
    ["2026-01-01T05:30:00+0530", 1767225600],
    ["2025-12-31T16:00:00-08:00", 1767225600],
    ["2026-01-01 00:00:00", 1767225600],
    ["2026-01-01t00:00z", 1767225600],
    ["2026-01-01T00:00:00.123456Z", 1767225600.123456],
    ["1767225600", 1767225600],
    ["-1", -1],
  ])("%s is %d", (text, seconds) => {
    expect(parseDate(text)).toBe(seconds);
  });

  it("refuses what is not a date", () => {
    for (const text of [
      "tomorrow",
      "2026-13-01",
      "2026-1-1",
      "2026-01-01T10",
      "2026-01-01T10:00:00+5",
    ]) {
      expect(parseDate(text)).toBeUndefined();
    }
    expect(parseDate(Number.NaN)).toBeUndefined();
    expect(parseDate(12.5)).toBe(12.5);
  });
});

describe("compileConditions", () => {
  const where = { document: "d.json", statementIndex: 0 };

  it("normalises every family", () => {
    const compiled = compileConditions(
      {
        StringEquals: { "S3:Prefix": ["a", "${aws:username}"] },
        StringLike: { "s3:prefix": ["home/*", "exact", "*"] },
        NumericGreaterThan: { "s3:max-keys": ["10", 1.5] },
        DateLessThan: { "aws:CurrentTime": "2026-01-01" },
        Bool: { "aws:SecureTransport": "TRUE" },
        Null: { "aws:TokenIssueTime": false },
        IpAddress: { "aws:SourceIp": ["10.0.0.1", "::ffff:10.0.0.0/104", "2001:db8::/32"] },
      },
      where,
    ).map(({ w: _written, u: _unknown, ...rest }) => rest);
    expect(compiled).toEqual([
      {
        op: "str_eq",
        negated: false,
        if_exists: false,
        set: "",
        key: "s3:prefix",
        values: [{ s: "a" }, { tpl: [{ var: "aws:username" }] }],
      },
      {
        op: "str_like",
        negated: false,
        if_exists: false,
        set: "",
        key: "s3:prefix",
        values: [{ p: "home/" }, { re: "^exact$" }, { re: "^(?s:.*)$" }],
      },
      {
        op: "num_gt",
        negated: false,
        if_exists: false,
        set: "",
        key: "s3:max-keys",
        values: [{ n: 10 }, { n: 1.5 }],
      },
      {
        op: "date_lt",
        negated: false,
        if_exists: false,
        set: "",
        key: "aws:currenttime",
        values: [{ n: 1767225600 }],
      },
      {
        op: "bool",
        negated: false,
        if_exists: false,
        set: "",
        key: "aws:securetransport",
        values: [{ b: true }],
      },
      {
        op: "null",
        negated: false,
        if_exists: false,
        set: "",
        key: "aws:tokenissuetime",
        values: [false],
      },
      {
        op: "ip",
        negated: false,
        if_exists: false,
        set: "",
        key: "aws:sourceip",
        values: [{ cidr: "10.0.0.1/32" }, { cidr: "10.0.0.0/8" }, { cidr: "2001:db8::/32" }],
      },
    ]);
  });

  it("keeps ${…} literal when variables are off", () => {
    const [compiled] = compileConditions(
      { StringEquals: { "s3:prefix": "${aws:username}" } },
      where,
      false,
    );
    expect(compiled?.values).toEqual([{ s: "${aws:username}" }]);
  });
});

describe("compilePolicyData", () => {
  it("numbers statements across documents and labels them", () => {
    const data = compilePolicyData([
      source(
        {
          Version: "2012-10-17",
          Statement: { Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
        },
        false,
        "a.json",
      ),
      source(
        { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }] },
        true,
        "b.json",
      ),
    ]);
    expect(data.has_boundary).toBe(true);
    expect(data.statements.map((s) => [s.label, s.ref])).toEqual([
      [
        "a.json statement 0 (A)",
        { document: "a.json", statementIndex: 0, effect: "Allow", sid: "A" },
      ],
      [
        "boundary b.json statement 0",
        { document: "b.json", statementIndex: 0, effect: "Deny", boundary: true },
      ],
    ]);
  });

  it("files statements by exact action, by service and under any", () => {
    const data = compilePolicyData([
      source({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: ["s3:GetObject", "S3:PUTOBJECT"], Resource: "*" },
          {
            Effect: "Allow",
            Action: ["s3:Get*", "sqs:Send?essage", "execute-api:*"],
            Resource: "*",
          },
          { Effect: "Allow", Action: "*", Resource: "*" },
          { Effect: "Allow", NotAction: "iam:*", Resource: "*" },
          { Effect: "Allow", Action: ["s3:GetObject", "*:Describe*"], Resource: "*" },
          { Effect: "Allow", Action: "s?:GetObject", Resource: "*" },
          // Filed once: its exact action is covered by its s3 wildcard.
          {
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:List*", "sqs:SendMessage"],
            Resource: "*",
          },
        ],
      }),
      source(
        {
          Version: "2012-10-17",
          Statement: { Effect: "Allow", Action: "ec2:RunInstances", Resource: "*" },
        },
        true,
      ),
    ]);
    expect(data.index.identity).toEqual({
      action: { "s3:getobject": [0], "s3:putobject": [0], "sqs:sendmessage": [6] },
      service: { s3: [1, 6], sqs: [1], "execute-api": [1] },
      any: [2, 3, 4, 5],
    });
    expect(data.index.boundary).toEqual({
      action: { "ec2:runinstances": [7] },
      service: {},
      any: [],
    });
  });

  it("has no boundary unless a boundary document is given", () => {
    expect(compilePolicyData([]).has_boundary).toBe(false);
    expect(compilePolicyData([]).statements).toEqual([]);
  });
});
