import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";

const repo = join(import.meta.dirname, "..", "..", "..");
const esbuild = join(repo, "node_modules", ".bin", "esbuild");

describe("bundling", () => {
  it("runs from a plain esbuild bundle with no node_modules beside it", () => {
    const dir = mkdtempSync(join(tmpdir(), "iam-reference-bundle-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, "x.mjs"),
      `import { iamActionDetails, iamServiceExists } from "@keycard/iam-reference";
const action = await iamActionDetails("s3", "PutObject");
console.log(JSON.stringify({ s3: await iamServiceExists("s3"), name: action.name, types: action.resourceTypes.map((t) => t.name) }));
`,
    );
    // The entry sits outside the workspace: NODE_PATH lets esbuild find the package, and the
    // source condition bundles its TypeScript without a prior build.
    execFileSync(
      esbuild,
      [
        "x.mjs",
        "--bundle",
        "--platform=node",
        "--format=esm",
        "--outdir=out",
        "--conditions=@keycard/source",
        "--log-level=warning",
      ],
      { cwd: dir, env: { ...process.env, NODE_PATH: join(repo, "node_modules") } },
    );
    rmSync(join(dir, "x.mjs"));
    expect(readdirSync(dir)).toEqual(["out"]);
    expect(readdirSync(join(dir, "out"))).toEqual(["x.js"]);

    const { NODE_PATH: _, ...env } = process.env;
    const output = execFileSync(process.execPath, [join("out", "x.js")], {
      cwd: dir,
      env,
      encoding: "utf8",
    });
    expect(JSON.parse(output)).toEqual({
      s3: true,
      name: "PutObject",
      types: expect.arrayContaining(["object"]),
    });
  });
});
