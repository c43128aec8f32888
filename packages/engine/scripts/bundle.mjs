/**
 * Build step after `tsc` (which writes the declarations): the package's JavaScript as one ES
 * module, `dist/index.js`. Node loads each file of an unbundled package separately (resolve, read,
 * compile), which cost more at start-up than running the code; one file does not. Dependencies
 * and the precompiled IAM library (`wasm/`, imported on the first `loadPolicy`)
 * stay imports. Run by `npm run build`.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
const dist = join(pkg, "dist");
// tsc's per-file JavaScript (declarations are kept): only the bundle is published.
for (const file of readdirSync(dist, { recursive: true })) {
  const name = String(file);
  if (/\.js(\.map)?$/.test(name)) rmSync(join(dist, name));
}
await build({
  entryPoints: [join(pkg, "src", "index.ts")],
  outfile: join(dist, "index.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  sourcesContent: false,
  external: [
    ...Object.keys(manifest.dependencies ?? {}),
    "../wasm/keycard-wasm.js",
    "../wasm/keycard-wasm-text.js",
  ],
  logLevel: "warning",
});
