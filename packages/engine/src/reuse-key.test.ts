import { describe, expect, it } from "vitest";
import { compilePolicyData } from "./compile.js";
import { MAX_PLANNED_ACTION_LENGTH, ReuseKeys } from "./reuse-key.js";

const data = compilePolicyData([
  {
    name: "p.json",
    boundary: false,
    document: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
    },
  },
]);

describe("ReuseKeys", () => {
  it("keys an action longer than a real one on the whole request, without a plan", () => {
    const keys = new ReuseKeys(data);
    const json = () => "WHOLE";
    const short = keys.key(
      { action: "s3:GetObject", resource: "arn:aws:s3:::b/x", context: undefined },
      "[[],[]]",
      json,
    );
    expect(short).not.toContain("WHOLE");
    const action = `s3:${"A".repeat(MAX_PLANNED_ACTION_LENGTH)}`;
    const long = keys.key(
      { action, resource: "arn:aws:s3:::b/x", context: undefined },
      "[[],[]]",
      json,
    );
    expect(long).toBe("[[],[]]\u0001EWHOLE");
  });
});
