import { readFileSync } from "node:fs";

/**
 * The package version, read from package.json beside `src/` and `dist/` alike, so
 * `keycard --version` always matches what is installed.
 * @internal
 */
export function cliVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL("../package.json", import.meta.url), "utf8"),
  ) as {
    version?: unknown;
  };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}
