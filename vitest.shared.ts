import { basename } from "node:path";
import type { UserWorkspaceConfig } from "vitest/config";

/** Resolve sibling workspace packages to their TypeScript sources, so tests never need a prior build. */
const sourceConditions = ["@keycard/source", "node", "import", "default"];

/**
 * The one test configuration every package shares: unit tests beside the code,
 * integration tests (`*.integ.test.ts`) excluded and run by `vitest.config.integ.ts`.
 */
export function unitProject(dir: string): UserWorkspaceConfig {
  return {
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: sourceConditions } },
    test: {
      name: basename(dir),
      root: dir,
      include: ["src/**/*.test.ts", "scripts/**/*.test.ts"],
      exclude: ["**/*.integ.test.ts", "**/node_modules/**", "**/dist/**"],
      testTimeout: 20_000,
    },
  };
}

/** Integration tests: real SDK clients against loopback servers and the local AWS emulator. */
export function integProject(dir: string): UserWorkspaceConfig {
  const unit = unitProject(dir);
  return {
    ...unit,
    test: {
      ...unit.test,
      name: `${basename(dir)}:integ`,
      include: ["src/**/*.integ.test.ts"],
      exclude: ["**/node_modules/**", "**/dist/**"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
}
