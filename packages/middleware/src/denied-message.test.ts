import { describe, expect, test } from "vitest";
import type { KeycardDecision } from "./decision.js";
import { deniedMessage, neededStatements } from "./denied-message.js";

function decision(requests: KeycardDecision["requests"], reason?: string): KeycardDecision {
  return {
    decisionId: "d",
    allow: false,
    mode: "enforce",
    service: "s3",
    operation: "DeleteObjects",
    principal: {},
    requests,
    ...(reason ? { reason } : {}),
  };
}

const denied = (
  action: string,
  resource: string,
  reason = `implicitly denied: no statement allows ${action} on ${resource}`,
) => ({
  action,
  resource,
  allow: false,
  reason,
});

describe("neededStatements", () => {
  test("one statement per action listing exactly its denied resources", () => {
    const d = decision([
      denied("s3:DeleteObject", "arn:aws:s3:::b/1"),
      denied("s3:DeleteObject", "arn:aws:s3:::b/2"),
      denied("s3:DeleteObject", "arn:aws:s3:::b/2"),
      denied("s3:GetObject", "arn:aws:s3:::c/1"),
      { action: "s3:PutObject", resource: "arn:aws:s3:::b/3", allow: true, reason: "allowed" },
    ]);
    expect(neededStatements(d)).toEqual([
      {
        Effect: "Allow",
        Action: "s3:DeleteObject",
        Resource: ["arn:aws:s3:::b/1", "arn:aws:s3:::b/2"],
      },
      { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::c/1" },
    ]);
  });

  test("nothing for explicit or custom denies, which an Allow cannot fix", () => {
    expect(
      neededStatements(
        decision([
          denied("s3:GetObject", "*", "explicitly denied by p.json statement 1"),
          denied("s3:PutObject", "*", "denied by custom rule: no"),
        ]),
      ),
    ).toEqual([]);
  });
});

test("the engine's explicitDeny flag decides, whatever the reason says", () => {
  expect(
    neededStatements(
      decision([
        { ...denied("s3:GetObject", "arn:aws:s3:::b/1", "denied by a rule"), explicitDeny: true },
        { ...denied("s3:PutObject", "arn:aws:s3:::b/1", "explicitly denied"), explicitDeny: false },
      ]),
    ),
  ).toEqual([{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/1" }]);
});

describe("deniedMessage", () => {
  test("names the call, each denied request and the statement that would allow it", () => {
    const message = deniedMessage(decision([denied("s3:DeleteObject", "arn:aws:s3:::b/1")]));
    expect(message).toBe(
      [
        "keycard denied s3 DeleteObjects:",
        "  - s3:DeleteObject on arn:aws:s3:::b/1: implicitly denied: no statement allows s3:DeleteObject on arn:aws:s3:::b/1",
        "A statement that would allow it:",
        '{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/1"}',
      ].join("\n"),
    );
  });

  test("lists at most ten denied requests", () => {
    const many = Array.from({ length: 25 }, (_, i) =>
      denied("s3:DeleteObject", `arn:aws:s3:::b/${i}`),
    );
    const message = deniedMessage(decision(many));
    expect(message).toContain("… and 15 more");
    expect(message.split("\n").filter((l) => l.startsWith("  - s3:"))).toHaveLength(10);
  });

  test("without requests it gives the reason", () => {
    expect(deniedMessage(decision([], "not mapped to IAM: no IAM action"))).toBe(
      "keycard denied s3 DeleteObjects: not mapped to IAM: no IAM action",
    );
  });
});

describe("denials that failed a condition or depended on the unknown", () => {
  const conditionFailed = {
    action: "s3:GetObject",
    resource: "arn:aws:s3:::orders/a.json",
    allow: false,
    reason: "implicitly denied: no statement allows s3:GetObject on arn:aws:s3:::orders/a.json",
    conditionFailures: [
      {
        statement: {
          document: "orders.json",
          sid: "ReadFromVpc",
          statementIndex: 2,
          effect: "Allow" as const,
        },
        operator: "StringEquals",
        key: "aws:SourceVpc",
        values: ["vpc-111"],
        seen: "vpc-222",
      },
    ],
  };

  test("names the statement, the condition, what it expected and what the request had", () => {
    const message = deniedMessage(decision([conditionFailed]));
    expect(message).toContain(
      'orders.json statement 2 (ReadFromVpc) matched but its condition aws:SourceVpc (StringEquals) expected "vpc-111" and the request had "vpc-222"',
    );
  });

  test("never suggests a statement that drops or widens the condition", () => {
    const d = decision([conditionFailed]);
    expect(neededStatements(d)).toEqual([]);
    const message = deniedMessage(d);
    expect(message).not.toContain('"Effect":"Allow"');
    expect(message).toMatch(/satisfy the condition/);
  });

  test("a key the request did not carry, or could not be known, is said so", () => {
    const missing = {
      ...conditionFailed,
      conditionFailures: [
        { ...conditionFailed.conditionFailures[0]!, seen: undefined, key: "aws:PrincipalTag/team" },
        {
          ...conditionFailed.conditionFailures[0]!,
          key: "aws:ResourceTag/env",
          values: ["dev", "test"],
          seen: undefined,
          unknown: true,
        },
      ],
    };
    const message = deniedMessage(decision([missing]));
    expect(message).toMatch(
      /aws:PrincipalTag\/team \(StringEquals\) expected "vpc-111" and the request did not carry it/,
    );
    expect(message).toMatch(
      /aws:ResourceTag\/env \(StringEquals\) expected "dev" or "test" and its value is unknown before the call/,
    );
  });

  test("says what was unknown and suggests no wildcard for it", () => {
    const d = decision([
      {
        action: "iam:CreateAccessKey",
        resource: "arn:aws:iam::123456789012:user/*admin",
        allow: false,
        reason: "implicitly denied: unknown before the call: IAM user path",
        unknown: ["IAM user path"],
      },
    ]);
    expect(neededStatements(d)).toEqual([]);
    const message = deniedMessage(d);
    expect(message).toMatch(/unknown before the call: IAM user path/);
    expect(message).not.toContain('"Effect":"Allow"');
  });
});
