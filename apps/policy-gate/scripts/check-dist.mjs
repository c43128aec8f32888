// Fails when the committed dist/ differs from a fresh build of the sources: the action runs
// dist/index.js as committed, so a stale bundle would run code nobody reviewed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const app = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(app, "dist");
const fresh = mkdtempSync(join(tmpdir(), "keycard-policy-gate-dist-"));

function files(dir) {
  const out = [];
  const visit = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) visit(full);
      else out.push(relative(dir, full).split(sep).join("/"));
    }
  };
  visit(dir);
  return out.sort();
}

try {
  execFileSync(process.execPath, [join(app, "scripts", "bundle.mjs"), "--outdir", fresh], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const expected = files(fresh);
  const actual = files(committed);
  const problems = [];
  for (const file of new Set([...expected, ...actual])) {
    if (!expected.includes(file)) problems.push(`dist/${file} is not produced by the build`);
    else if (!actual.includes(file)) problems.push(`dist/${file} is missing`);
    else if (!readFileSync(join(fresh, file)).equals(readFileSync(join(committed, file))))
      problems.push(`dist/${file} differs`);
  }
  if (problems.length > 0) {
    console.error(
      `apps/policy-gate/dist is out of date:\n  ${problems.join("\n  ")}\nRun \`npm run build -w @keycard/policy-gate\` and commit dist/.`,
    );
    // exitCode, not exit(): the fresh build below is removed on the way out either way.
    process.exitCode = 1;
  } else console.log("apps/policy-gate/dist is up to date");
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
