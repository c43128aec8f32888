import { describe, expect, it } from "vitest";
import { buildReport, parseFailOn } from "./report.js";
import { emptyDiff } from "./test-utils/fixtures.js";
import type { AccessChange, PolicySetDiff } from "./types.js";

function change(direction: "new" | "removed", actions: string[]): AccessChange {
  return {
    direction,
    service: "s3",
    actions,
    actionPatterns: [],
    resource: "arn:aws:s3:::orders/*",
    otherSide: "implicitly denied",
    conditionKeys: [],
    unconditional: true,
    accessLevels: ["Write"],
    sources: ["generated"],
    requestCount: actions.length,
    recordedCalls: 0,
    examples: [],
  };
}

function diff(overrides: Partial<PolicySetDiff>): PolicySetDiff {
  return { ...emptyDiff(), ...overrides };
}

describe("buildReport", () => {
  it("passes removed access alone", () => {
    const report = buildReport([diff({ removedAccess: [change("removed", ["s3:PutObject"])] })]);
    expect(report.verdict).toBe("pass");
    expect(report.counts.removedAccess).toBe(1);
  });

  it("fails new access unless approved", () => {
    const sets = [diff({ newAccess: [change("new", ["s3:PutObject", "s3:DeleteObject"])] })];
    expect(buildReport(sets).verdict).toBe("fail");
    expect(buildReport(sets).counts.newAccess).toBe(2);
    const approved = buildReport(sets, { approved: true });
    expect(approved.verdict).toBe("pass");
    expect(approved.reasons).toEqual([
      expect.objectContaining({ check: "new-access", waived: true }),
    ]);
  });

  it("fails invalid policies and failing tests even when approved", () => {
    const invalid = diff({ findings: [{ check: "iam", severity: "error", message: "bad" }] });
    expect(buildReport([invalid], { approved: true }).verdict).toBe("fail");
    const failing = diff({
      findings: [{ check: "tests", severity: "error", message: "x" }],
      tests: { passed: 0, failed: 1, skipped: 0, coverage: 100, threshold: 80, failures: [] },
    });
    expect(buildReport([failing], { approved: true }).verdict).toBe("fail");
  });

  it("only fails on the configured checks", () => {
    const sets = [
      diff({
        newAccess: [change("new", ["s3:PutObject"])],
        findings: [{ check: "regal", severity: "warning", message: "style" }],
      }),
    ];
    expect(buildReport(sets, { failOn: ["invalid", "tests"] }).verdict).toBe("pass");
  });
});

describe("parseFailOn", () => {
  it("splits lists and reports unknown names", () => {
    expect(parseFailOn("invalid, tests\nnew-access,bogus")).toEqual({
      failOn: ["invalid", "tests", "new-access"],
      unknown: ["bogus"],
    });
  });
});
