/**
 * Build step after `tsc` (which writes the declarations), run from a package's folder by its
 * `npm run build`: the package's JavaScript as one ES module, `dist/index.js`. Node loads each
 * file of an unbundled package separately (resolve, read, compile), which costs more at start-up
 * than running the code; one file does not. The package's dependencies stay imports, and so does
 * each `--external <specifier>` given (files the package loads lazily or by address).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const { values } = parseArgs({ options: { external: { type: "string", multiple: true } } });
const pkg = process.cwd();
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
  // Whitespace and syntax only: fewer bytes for V8 to scan at import, names kept for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  sourcesContent: false,
  external: [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...(values.external ?? []),
  ],
  logLevel: "warning",
});

// V8 keeps a module's source text for the life of the process, in one byte per character only
// while every character is ASCII: a single other character doubles what the bundle costs in
// memory. esbuild escapes such characters in strings, but not inside regular expressions.
const output = readFileSync(join(dist, "index.js"), "utf8");
const outside = /[\u0080-\uffff]/.exec(output);
if (outside) {
  const line = output.slice(0, outside.index).split("\n").length;
  console.error(
    `${manifest.name}: dist/index.js line ${line} holds ${JSON.stringify(outside[0])} (U+${outside[0].codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}) in ${JSON.stringify(output.slice(Math.max(0, outside.index - 40), outside.index + 10))}; write it as an escape in the source`,
  );
  process.exit(1);
}
