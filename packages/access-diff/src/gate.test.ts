import { cpSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccessDiffError } from "./errors.js";
import { runGate } from "./gate.js";
import {
  git,
  iam,
  LIBRARY,
  newActions,
  TOOLS,
  tempDir,
  tempRepo,
  writeTree,
} from "./test-utils/fixtures.js";

const read = {
  Sid: "Read",
  Effect: "Allow",
  Action: "s3:GetObject",
  Resource: "arn:aws:s3:::orders/*",
};
const put = {
  Sid: "Put",
  Effect: "Allow",
  Action: "s3:PutObject",
  Resource: "arn:aws:s3:::orders/*",
};

describe("runGate", () => {
  it("diffs only the policy sets the change touches", async () => {
    const repo = tempRepo(
      {
        "policies/orders/orders.json": iam(read),
        "policies/billing/billing.json": iam(read),
        "policies/README.md": "sets\n",
      },
      { "policies/orders/orders.json": iam(read, put), "policies/README.md": "policy sets\n" },
    );
    const report = await runGate({
      root: repo.dir,
      baseRef: repo.base,
      headRef: repo.head,
      tools: TOOLS,
    });
    expect(report.sets.map((s) => s.name)).toEqual(["policies/orders"]);
    expect(newActions(report)).toEqual(["s3:PutObject"]);
    expect(report.verdict).toBe("fail");
    expect(report.base).toBe(repo.base);
  });

  it("reads the head from the working tree by default", async () => {
    const repo = tempRepo({ "policies/orders/orders.json": iam(read, put) }, {});
    writeTree(repo.dir, { "policies/orders/orders.json": iam(read) });
    const report = await runGate({
      root: repo.dir,
      baseRef: repo.base,
      tools: TOOLS,
      approved: true,
    });
    expect(report.verdict).toBe("pass");
    expect(report.counts.removedAccess).toBe(1);
  });

  it("checks every set when the Rego library changes, and never diffs the library itself", async () => {
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read), "policies/billing/billing.json": iam(read) },
      {},
    );
    cpSync(LIBRARY, join(repo.dir, "policies", "keycard"), { recursive: true });
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-q", "-m", "library");
    const base = git(repo.dir, "rev-parse", "HEAD");
    writeTree(repo.dir, { "policies/keycard/extra.rego": "package keycard.extra\n" });
    const report = await runGate({ root: repo.dir, baseRef: base, tools: TOOLS });
    expect(report.sets.map((s) => s.name)).toEqual(["policies/billing", "policies/orders"]);
    expect(report.notes.join(" ")).toMatch(/library changed/);
    // The library decides every set, so changing it needs approval like new access.
    expect(report.verdict).toBe("fail");
    const approved = await runGate({ root: repo.dir, baseRef: base, tools: TOOLS, approved: true });
    expect(approved.verdict).toBe("pass");
  });

  it("reads a library kept outside the gate's paths from the base commit, and gates changes to it", async () => {
    const repo = tempRepo(
      { "policies/orders/orders.json": iam(read), "policies/billing/billing.json": iam(read) },
      {},
    );
    cpSync(LIBRARY, join(repo.dir, "rego", "keycard"), { recursive: true });
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-q", "-m", "library");
    const base = git(repo.dir, "rev-parse", "HEAD");
    const options = { root: repo.dir, baseRef: base, tools: TOOLS, library: "rego/keycard" };
    // No fallback copy: the sets can only be built with the base commit's library.
    writeTree(repo.dir, { "policies/orders/orders.json": iam(read, put) });
    const report = await runGate(options);
    expect(report.sets.map((s) => s.name)).toEqual(["policies/orders"]);
    expect(newActions(report)).toEqual(["s3:PutObject"]);
    git(repo.dir, "checkout", "-q", "--", "policies");
    writeTree(repo.dir, { "rego/keycard/extra.rego": "package keycard.extra\n" });
    const changed = await runGate(options);
    expect(changed.notes.join(" ")).toMatch(/library changed/);
    expect(changed.sets.map((s) => s.name)).toEqual(["policies/billing", "policies/orders"]);
    expect(changed.verdict).toBe("fail");
  });

  it("does not follow symbolic links out of the repository", async () => {
    const repo = tempRepo({ "policies/orders/orders.json": iam(read) }, {});
    // Outside the repository, in a folder of its own that is removed after the test.
    const secret = join(tempDir(), "secret.json");
    writeTree("/", { [secret]: iam({ Effect: "Allow", Action: "iam:*", Resource: "*" }) });
    symlinkSync(secret, join(repo.dir, "policies", "orders", "stolen.json"));
    const report = await runGate({ root: repo.dir, baseRef: repo.base, tools: TOOLS });
    expect(newActions(report)).toEqual([]);
    expect(readFileSync(secret, "utf8")).toContain("iam:*");
  });

  it("fails with advice when the base ref is not in the clone", async () => {
    const repo = tempRepo({ "policies/orders/orders.json": iam(read) }, {});
    const error = await runGate({ root: repo.dir, baseRef: "0".repeat(40), tools: TOOLS }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AccessDiffError);
    expect(error).toMatchObject({
      code: "GitFailed",
      message: expect.stringMatching(/fetch-depth: 0/),
    });
  });

  it("rejects paths outside the repository", async () => {
    const repo = tempRepo({ "policies/orders/orders.json": iam(read) }, {});
    await expect(
      runGate({ root: repo.dir, baseRef: repo.base, paths: ["../elsewhere"], tools: TOOLS }),
    ).rejects.toMatchObject({ code: "InvalidOptions" });
    await expect(
      runGate({ root: repo.dir, baseRef: repo.base, library: "../elsewhere", tools: TOOLS }),
    ).rejects.toMatchObject({ code: "InvalidOptions", message: expect.stringMatching(/^library/) });
  });

  it("fails with advice when OPA is missing", async () => {
    const repo = tempRepo({ "policies/orders/orders.json": iam(read) }, {});
    await expect(
      runGate({ root: repo.dir, baseRef: repo.base, tools: { opa: join(repo.dir, "no-opa") } }),
    ).rejects.toMatchObject({
      code: "ToolNotFound",
      message: expect.stringMatching(/setup-opa/),
    });
  });
});
