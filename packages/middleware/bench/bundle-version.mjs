// Bundles one checkout's keycard (middleware, engine, iam-map and iam-reference, from source)
// into one ES module exporting `keycardPlugin` and `loadPolicy`, for the overhead benchmark to
// measure two versions side by side in one process: `BENCH_BASELINE` (and `BENCH_KEYCARD`) name
// such bundles. Both sides built this way run the same kind of code (one esbuild bundle each).
// The checkout's engine must have its generated WebAssembly module (`npm run build -w
// @keycard/engine` there, or a copy of `packages/engine/wasm` when the Rego library is the same).
// The bundle imports the SDK from this workspace, so it must be written inside it:
// `bench/versions/` is ignored by git for that.
// Run: `node bench/bundle-version.mjs <checkout> bench/versions/<name>.mjs`.
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const [checkoutArg, outArg] = process.argv.slice(2);
if (!checkoutArg || !outArg) {
  console.error("usage: node bench/bundle-version.mjs <checkout> <out.mjs>");
  process.exit(2);
}
const checkout = resolve(checkoutArg);
const packages = join(checkout, "packages");
const wasmText = join(packages, "engine", "wasm", "keycard-wasm-text.js");
if (!existsSync(wasmText)) {
  console.error(`${wasmText} is missing: build that checkout's engine first`);
  process.exit(1);
}
// Each @keycard package resolves to that checkout's source, not to what is installed here.
const alias = Object.fromEntries(
  readdirSync(packages)
    .filter((name) => existsSync(join(packages, name, "src", "index.ts")))
    .map((name) => [`@keycard/${name}`, join(packages, name, "src", "index.ts")]),
);
await build({
  stdin: {
    contents:
      'export { keycardPlugin } from "@keycard/middleware";\nexport { loadPolicy } from "@keycard/engine";\n',
    resolveDir: process.cwd(),
    loader: "js",
  },
  alias,
  outfile: resolve(outArg),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The SDK and the WebAssembly runtime stay shared imports of this workspace.
  external: ["@aws-sdk/*", "@smithy/*", "@open-policy-agent/*"],
  banner: {
    js: "import { createRequire as keycardBenchRequire } from 'node:module'; const require = keycardBenchRequire(import.meta.url);",
  },
  logLevel: "warning",
});
console.log(`bundled ${checkout} into ${resolve(outArg)}`);
