// Runs after `tsc`: ships the keycard Rego library inside the package and makes the
// `keycard` command executable.
//
// `keycard build` compiles custom rules together with the library, so an installation from
// npm must carry the library's source. It is copied from policies/keycard at build time
// (tests left out) into dist/rego/keycard rather than committed twice, so the package can
// never ship a library that differs from the one its engine was compiled from.
import { chmodSync, cpSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..");
const source = join(packageDir, "..", "..", "policies", "keycard");
const target = join(packageDir, "dist", "rego", "keycard");

if (!existsSync(join(source, "authz", "authz.rego"))) {
  console.error(`the keycard Rego library was not found at ${source}`);
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
cpSync(source, target, {
  recursive: true,
  filter: (path) =>
    !path.endsWith("_test.rego") && !path.split(/[\\/]/).some((part) => part.startsWith(".")),
});
chmodSync(join(packageDir, "dist", "bin.js"), 0o755);
console.log(`copied the keycard Rego library to ${target}`);
