// Packs every publishable workspace package, installs the tarballs into an empty project
// and imports each one there, as a user installing from npm would.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const reportPath = process.argv.includes("--report")
  ? process.argv[process.argv.indexOf("--report") + 1]
  : undefined;
const packages = readdirSync(join(root, "packages"))
  .map((dir) => ({
    dir: join(root, "packages", dir),
    manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")),
  }))
  .filter(({ manifest }) => !manifest.private);

const work = mkdtempSync(join(tmpdir(), "keycard-pack-"));
let passed = 0;
let failed = 0;
try {
  const tarballs = packages.map(({ dir }) => {
    const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], {
      cwd: dir,
      encoding: "utf8",
    });
    return join(work, out.trim().split("\n").pop());
  });
  const project = join(work, "project");
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], {
    cwd: project,
    stdio: "inherit",
  });
  for (const { manifest } of packages) {
    const probe =
      manifest.name === "@keycard/engine"
        ? // The engine must work with only what its tarball ships: the precompiled library included.
          `const { loadPolicy } = await import("@keycard/engine");
         const p = await loadPolicy({ iam: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }], checkActions: false });
         const d = p.evaluate({ requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }] });
         if (!d.allow) throw new Error("the packed engine denied an allowed request");`
        : `const m = await import(${JSON.stringify(manifest.name)}); if (Object.keys(m).length === 0) throw new Error("no exports");`;
    try {
      execFileSync("node", ["--input-type=module", "-e", probe], {
        cwd: project,
        stdio: ["ignore", "inherit", "inherit"],
      });
      console.log(`pack: ${manifest.name} installs and imports`);
      passed++;
    } catch {
      console.error(`pack: ${manifest.name} failed to import from its tarball`);
      failed++;
    }
    const bin = manifest.bin ? Object.keys(manifest.bin)[0] : undefined;
    if (bin) {
      const binPath = join(project, "node_modules", ".bin", bin);
      try {
        if (!existsSync(binPath)) throw new Error("missing");
        execFileSync(binPath, ["--help"], { cwd: project, stdio: "ignore" });
        console.log(`pack: ${bin} --help runs`);
        passed++;
      } catch {
        console.error(`pack: the ${bin} command did not run from the tarball`);
        failed++;
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`pack: ${passed} passed, ${failed} failed`);
if (reportPath)
  writeFileSync(reportPath, JSON.stringify({ numPassedTests: passed, numFailedTests: failed }));
process.exit(failed > 0 ? 1 : 0);
