import { describe, expect, it } from "vitest";
import { lineOfPath } from "./json-position.js";
import type { PolicySet } from "./policy-set.js";
import { formatProblem, validateSet } from "./validate.js";

function set(files: Record<string, string>): PolicySet {
  const entries = Object.entries(files).map(([path, text]) => ({ path, text }));
  return {
    dir: "/repo/policies/team",
    display: "policies/team",
    documents: entries.filter((f) => !f.path.includes("boundary")),
    boundaries: entries.filter((f) => f.path.includes("boundary")),
    modules: [],
    tests: [],
    data: [],
    recorded: [],
  };
}

const valid = JSON.stringify(
  {
    Version: "2012-10-17",
    Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
  },
  null,
  2,
);

describe("validateSet", () => {
  it("accepts valid documents and counts their statements", () => {
    const result = validateSet(set({ "a.json": valid, "boundary.json": valid }));
    expect(result.problems).toEqual([]);
    expect(result.documents.map((d) => [d.name, d.boundary])).toEqual([
      ["a.json", false],
      ["boundary.json", true],
    ]);
    expect(result.statementCount).toBe(2);
  });

  it("names the file, line, statement, Sid and element of an invalid statement", () => {
    const text = `{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" },
    {
      "Sid": "Write",
      "Effect": "Allow",
      "Action": "s3:PutObject",
      "Resource": "orders-bucket/*"
    }
  ]
}`;
    const [problem, ...rest] = validateSet(set({ "bad.json": text, "good.json": valid })).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({
      file: "policies/team/bad.json",
      line: 9,
      statementIndex: 1,
      sid: "Write",
      element: "Resource",
      code: "InvalidArn",
    });
    expect(formatProblem(problem!)).toBe(
      'policies/team/bad.json:9: statement 1 (Write), Resource: "orders-bucket/*" is not an ARN (arn:partition:service:region:account:resource) or *',
    );
  });

  it("reports every broken document, not only the first", () => {
    const broken = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3", Resource: "*" }],
    });
    const { problems, documents } = validateSet(
      set({ "one.json": broken, "two.json": "{ not json", "three.json": valid }),
    );
    expect(problems.map((p) => [p.file, p.code])).toEqual([
      ["policies/team/one.json", "InvalidAction"],
      ["policies/team/two.json", "MalformedDocument"],
    ]);
    expect(documents.map((d) => d.name)).toEqual(["three.json"]);
  });

  it("places a JSON syntax error at its line", () => {
    const [problem] = validateSet(
      set({ "x.json": '{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}' }),
    ).problems;
    expect(problem?.code).toBe("MalformedDocument");
    expect(formatProblem(problem!)).toMatch(/^policies\/team\/x\.json(:3:\d+)?: not valid JSON/);
  });
});

describe("lineOfPath", () => {
  const text =
    '{\n  "a": {\n    "b": [\n      1,\n      { "c": "d, }" },\n      "e"\n    ]\n  }\n}';

  it("finds nested keys and array elements", () => {
    expect(lineOfPath(text, [])).toBe(1);
    expect(lineOfPath(text, ["a"])).toBe(2);
    expect(lineOfPath(text, ["a", "b", 1])).toBe(5);
    expect(lineOfPath(text, ["a", "b", 2])).toBe(6);
  });

  it("returns undefined for a path that is not there", () => {
    expect(lineOfPath(text, ["a", "b", 3])).toBeUndefined();
    expect(lineOfPath(text, ["z"])).toBeUndefined();
    expect(lineOfPath(text, ["a", 0])).toBeUndefined();
  });
});
