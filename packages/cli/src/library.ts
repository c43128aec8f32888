import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "./errors.js";

const ENTRY_MODULE = join("authz", "authz.rego");

/**
 * The keycard Rego library that custom rules are compiled with. The published package
 * carries a copy in `dist/rego/keycard` (made by `scripts/postbuild.mjs` at build time);
 * run from source inside the repository, the library's own `policies/keycard` is used.
 * @internal
 */
export function findLibrary(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const packaged = join(here, "rego", "keycard");
  if (existsSync(join(packaged, ENTRY_MODULE))) return packaged;
  let dir = here;
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(dir, "policies", "keycard");
    if (existsSync(join(candidate, ENTRY_MODULE))) return candidate;
    dir = dirname(dir);
  }
  throw new CliError(
    "LibraryNotFound",
    "the keycard Rego library is missing from this installation of @keycard/cli; reinstall the package",
  );
}
