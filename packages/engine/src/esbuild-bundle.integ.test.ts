/**
 * An application that imports @keycard/engine, bundled with nothing but esbuild's defaults,
 * runs from its output directory with no node_modules beside it: the precompiled IAM library
 * and the IAM reference data travel inside the bundle. Uses the built package (`dist/`), as an application would.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { repoRoot } from "./test-utils/opa.js";

const app = `import { loadPolicy } from "@keycard/engine";
const policy = await loadPolicy({
  iam: [{ name: "app.json", document: { Version: "2012-10-17", Statement: [
    { Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/*" },
    { Sid: "Typo", Effect: "Allow", Action: "s3:GetObjekt", Resource: "arn:aws:s3:::orders/*" },
  ] } }],
});
const input = (action, key) => ({ region: "us-east-1", requests: [{ action, resource: "arn:aws:s3:::orders/" + key }] });
const first = policy.evaluate(input("s3:GetObject", "a.json"));
const second = policy.evaluate(input("s3:GetObject", "b.json"));
const put = policy.evaluate(input("s3:PutObject", "a.json"));
console.log(JSON.stringify({
  first: first.requests[0].reason,
  second: second.requests[0].resource,
  put: put.requests[0].reason,
  reused: policy.stats().reusedDecisions,
  warnings: policy.warnings.map((w) => w.code),
}));
`;

describe("bundling with esbuild", () => {
  it("runs from out/ with no node_modules", () => {
    const dir = mkdtempSync(join(tmpdir(), "keycard-esbuild-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "app.mjs"), app);
    execFileSync(
      join(repoRoot, "node_modules", ".bin", "esbuild"),
      [
        "app.mjs",
        "--bundle",
        "--platform=node",
        "--format=esm",
        "--outdir=out",
        "--log-level=error",
      ],
      // The application's own dependencies, as `npm install @keycard/engine` would provide them.
      { cwd: dir, env: { ...process.env, NODE_PATH: join(repoRoot, "node_modules") } },
    );
    const out = join(dir, "out");
    // An ES module bundle named .js needs this beside it; it is not a dependency.
    writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
    expect(readdirSync(out).sort()).toEqual(["app.js", "package.json"]);
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
    // Files named like the installed package's library, beside and above the bundle, are not
    // the bundle's: it must use the copy it carries (these would fail to compile).
    mkdirSync(join(dir, "wasm"));
    writeFileSync(join(dir, "wasm", "keycard.wasm"), "not the IAM library");
    writeFileSync(join(out, "keycard.wasm"), "not the IAM library");
    const printed = execFileSync(process.execPath, ["app.js"], {
      cwd: out,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(JSON.parse(printed)).toEqual({
      first: "allowed by app.json statement 0 (Read)",
      second: "arn:aws:s3:::orders/b.json",
      put: "implicitly denied: no statement allows s3:PutObject on arn:aws:s3:::orders/a.json",
      reused: 1,
      // The IAM reference behind checkActions travels in the bundle too.
      warnings: ["UnknownAction"],
    });
  });
});
