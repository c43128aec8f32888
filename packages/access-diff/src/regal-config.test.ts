import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_REGAL_CONFIG } from "./regal-config.js";
import { MONOREPO } from "./test-utils/fixtures.js";

/** YAML without comment lines: the settings, not their explanations. */
function settings(yaml: string): string {
  return yaml
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n");
}

describe("DEFAULT_REGAL_CONFIG", () => {
  it("is the configuration keycard's own policies are linted with", () => {
    const repository = readFileSync(join(MONOREPO, "policies", ".regal", "config.yaml"), "utf8");
    expect(settings(DEFAULT_REGAL_CONFIG)).toBe(settings(repository));
  });
});
