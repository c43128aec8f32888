import { describe, expect, it } from "vitest";
import { readSideDocuments } from "./documents.js";
import { implicitDenyReason, provenDenial, resourceClasses } from "./equivalence.js";
import { iam } from "./test-utils/fixtures.js";

function statements(doc: string, boundary = false) {
  const file = { path: boundary ? "boundary.json" : "app.json", text: doc };
  return readSideDocuments(
    {
      dir: "",
      documents: boundary ? [] : [file],
      boundaries: boundary ? [file] : [],
      modules: [],
      tests: [],
      data: [],
      recorded: [],
      problems: [],
    },
    "",
  ).statements;
}

describe("resourceClasses", () => {
  it("puts resources every pattern treats alike in one class", () => {
    const classOf = resourceClasses(
      statements(
        iam({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/*" }),
      ),
    );
    const a = classOf({ action: "s3:GetObject", resource: "arn:aws:s3:::orders/a" });
    expect(classOf({ action: "s3:GetObject", resource: "arn:aws:s3:::orders/b" })).toBe(a);
    expect(classOf({ action: "s3:GetObject", resource: "arn:aws:s3:::other/a" })).not.toBe(a);
    expect(
      classOf({
        action: "s3:GetObject",
        resource: "arn:aws:s3:::orders/a",
        context: { "aws:SourceIp": "10.0.0.1" },
      }),
    ).not.toBe(a);
  });

  it("gives no class when a pattern has a policy variable", () => {
    const classOf = resourceClasses(
      statements(
        iam({
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::home/\${aws:username}/*`,
        }),
      ),
    );
    expect(classOf({ action: "s3:GetObject", resource: "arn:aws:s3:::home/a/b" })).toBeUndefined();
  });
});

describe("provenDenial", () => {
  const denies = provenDenial(
    statements(
      iam(
        { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/*" },
        { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::secret/*" },
        {
          Effect: "Allow",
          Action: "sqs:SendMessage",
          Resource: `arn:aws:sqs:us-east-1:1:\${aws:username}`,
        },
      ),
    ),
  );

  it("proves a denial only when no statement can apply", () => {
    expect(denies?.({ action: "ec2:RunInstances", resource: "*" })).toBe(true);
    expect(denies?.({ action: "s3:GetObject", resource: "arn:aws:s3:::other/a" })).toBe(true);
    expect(denies?.({ action: "s3:GetObject", resource: "arn:aws:s3:::orders/a" })).toBe(false);
    // A Deny that applies changes the engine's reason, so it is evaluated too.
    expect(denies?.({ action: "s3:PutObject", resource: "arn:aws:s3:::secret/a" })).toBe(false);
    // Variables are resolved by the engine, never guessed here.
    expect(
      denies?.({ action: "sqs:SendMessage", resource: "arn:aws:sqs:us-east-1:1:anyone" }),
    ).toBe(false);
  });

  it("never applies to a version with a permissions boundary", () => {
    expect(
      provenDenial(statements(iam({ Effect: "Allow", Action: "s3:*", Resource: "*" }), true)),
    ).toBeUndefined();
  });

  it("states the reason the engine gives", () => {
    expect(implicitDenyReason({ action: "s3:GetObject", resource: "arn:aws:s3:::x" })).toBe(
      "implicitly denied: no statement allows s3:GetObject on arn:aws:s3:::x",
    );
  });
});
