import { describe, expect, it } from "vitest";
import { toAnnotations } from "./annotations.js";
import { renderMarkdown } from "./render-markdown.js";
import { renderTerminal } from "./render-terminal.js";
import { buildReport } from "./report.js";
import { toSarif } from "./sarif.js";
import { emptyDiff } from "./test-utils/fixtures.js";
import type { AccessChange, Finding, PolicySetDiff, Risk } from "./types.js";

function change(i: number, direction: "new" | "removed" = "new"): AccessChange {
  return {
    direction,
    service: "s3",
    actions: Array.from({ length: 9 }, (_, k) => `s3:Action${i}x${k}`),
    actionPatterns: [],
    resource: `arn:aws:s3:::bucket-${i}/*`,
    statement: {
      document: "orders.json",
      file: "policies/orders/orders.json",
      statementIndex: i,
      sid: `S${i}`,
      line: 4 + i,
    },
    otherSide: "implicitly denied: no statement allows it",
    conditionKeys: [],
    unconditional: true,
    accessLevels: ["Write"],
    sources: ["generated"],
    requestCount: 9,
    recordedCalls: 0,
    examples: [{ action: `s3:Action${i}x0`, resource: `arn:aws:s3:::bucket-${i}/keycard-probe` }],
  };
}

const risk: Risk = {
  id: "iam-create-policy-version",
  kind: "escalation",
  severity: "critical",
  title: "Create a new version of a managed policy",
  description: "A new default version can grant anything.",
  actions: ["iam:CreatePolicyVersion"],
  statement: {
    document: "orders.json",
    file: "policies/orders/orders.json",
    statementIndex: 2,
    line: 30,
  },
  source: { title: "Rhino", url: "https://example.com/rhino" },
};

function set(overrides: Partial<PolicySetDiff>): PolicySetDiff {
  return { ...emptyDiff(), ...overrides };
}

describe("renderMarkdown", () => {
  it("names the bundle the gate evaluated, so reviewers can match it with a build", () => {
    const sha = "ab".repeat(32);
    const markdown = renderMarkdown(buildReport([{ ...emptyDiff(), bundleSha256: sha }]));
    expect(markdown).toContain(`Evaluated bundle sha256 \`${sha}\``);
  });

  it("shows verdict, counts, risks, the access table and how to approve", () => {
    const report = buildReport([
      set({ newAccess: [change(1)], removedAccess: [change(2, "removed")], risks: [risk] }),
    ]);
    const text = renderMarkdown(report, { header: "<!-- marker -->" });
    expect(text.startsWith("<!-- marker -->\n## ❌ keycard policy gate: fail")).toBe(true);
    expect(text).toContain("**9** new access");
    expect(text).toContain(
      "| critical | Create a new version of a managed policy ([source](https://example.com/rhino))",
    );
    expect(text).toContain("`s3:Action1x0`, `s3:Action1x1`");
    expect(text).toContain("and 3 more");
    expect(text).toContain("`arn:aws:s3:::bucket-1/*`");
    expect(text).toContain("<details><summary>Examples of new access</summary>");
    expect(text).toContain("add the `policy-change-approved` label");
  });

  it("stays under the comment limit however large the diff", () => {
    const huge = Array.from({ length: 3000 }, (_, i) => change(i));
    const findings: Finding[] = Array.from({ length: 2000 }, (_, i) => ({
      check: "iam",
      severity: "error",
      message: `problem ${i} `.repeat(10),
      file: "policies/orders/orders.json",
      line: i,
    }));
    const report = buildReport([
      set({
        newAccess: huge,
        removedAccess: huge.map((c) => ({ ...c, direction: "removed" as const })),
        findings,
      }),
    ]);
    const text = renderMarkdown(report, { maxLength: 60_000, detailsUrl: "http://127.0.0.1/run" });
    expect(text.length).toBeLessThanOrEqual(60_000);
    expect(text).toContain("more groups not shown");
    expect(text).toContain("[job summary](http://127.0.0.1/run)");
  });

  it("escapes table cells", () => {
    const report = buildReport([
      set({ findings: [{ check: "regal", severity: "error", message: "a | b\nc" }] }),
    ]);
    expect(renderMarkdown(report)).toContain("a \\| b c");
  });
});

describe("renderTerminal", () => {
  it("prints one line per change, with colour only when asked", () => {
    const report = buildReport([set({ newAccess: [change(1)], risks: [risk] })]);
    const plain = renderTerminal(report);
    expect(plain).toContain("FAIL");
    expect(plain).toContain("+ s3:Action1x0");
    expect(plain).not.toContain("\u001b[");
    expect(renderTerminal(report, { color: true })).toContain("\u001b[31mFAIL");
  });
});

describe("toSarif and toAnnotations", () => {
  const findings: Finding[] = Array.from({ length: 15 }, (_, i) => ({
    check: "iam",
    severity: "error",
    rule: "InvalidArn",
    message: `bad ${i}`,
    file: "policies/orders/orders.json",
    line: i + 1,
  }));
  const report = buildReport([set({ findings, risks: [risk], newAccess: [change(1)] })]);

  it("writes SARIF 2.1.0 with rules and locations", () => {
    const sarif = toSarif(report);
    expect(sarif.version).toBe("2.1.0");
    const run = sarif.runs[0]!;
    expect(run.results).toHaveLength(16);
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual([
      "keycard/iam/InvalidArn",
      "keycard/risk/iam-create-policy-version",
    ]);
    expect(run.results[15]?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: "policies/orders/orders.json" },
      region: { startLine: 30 },
    });
  });

  it("keeps the most severe annotations within GitHub's per-level limit", () => {
    const annotations = toAnnotations(report);
    expect(annotations.filter((a) => a.level === "error")).toHaveLength(10);
    expect(annotations[0]).toMatchObject({
      level: "error",
      title: "critical risk: Create a new version of a managed policy",
      line: 30,
    });
    expect(annotations[1]).toMatchObject({ level: "error", title: "iam: InvalidArn", line: 1 });
    expect(annotations.filter((a) => a.level === "notice")).toHaveLength(1);
  });
});

describe("hostile names in a report", () => {
  it("cannot hide the comment, ping people or break out of code in markdown", () => {
    const name = "policies/x<!--\n@org/team``` ";
    const report = buildReport([
      set({
        name,
        findings: [
          {
            check: "regal",
            severity: "error",
            message: "<!-- @admins please approve",
            file: `${name}/a.rego`,
            rule: "x`y",
          },
        ],
      }),
    ]);
    const text = renderMarkdown(report);
    // Inside code spans nothing is HTML or a mention; outside them nothing may be.
    const prose = text.replace(/(`+)(?!`)[^\n]*?[^`]\1(?!`)/g, "");
    expect(prose).not.toContain("<!--");
    expect(prose).not.toMatch(/@org\/team|@admins/);
    expect(text).toContain("````policies/x");
  });

  it("keeps each terminal line a single line", () => {
    const report = buildReport([set({ name: "policies/x\n::error::forged" })]);
    expect(renderTerminal(report)).not.toMatch(/^::error::/m);
  });
});
