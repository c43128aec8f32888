import { readdirSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { integProject } from "./vitest.shared.js";

const root = import.meta.dirname;
const dirs = ["packages", "apps"].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(root, group, name)),
);

export default defineConfig({
  test: {
    // One emulator process at a time keeps the two-core machines responsive.
    fileParallelism: false,
    projects: dirs.map((dir) => integProject(dir)),
  },
});
