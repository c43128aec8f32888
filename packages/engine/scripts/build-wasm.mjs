// Compiles the Rego IAM library in policies/keycard into wasm/keycard.wasm with the OPA CLI.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const out = join(here, "..", "wasm", "keycard.wasm");

function findOpa() {
  if (process.env.OPA_PATH) return process.env.OPA_PATH;
  const bootstrapped = join(root, ".tools", "bin", "opa");
  return existsSync(bootstrapped) ? bootstrapped : "opa";
}

const work = mkdtempSync(join(tmpdir(), "keycard-wasm-"));
try {
  const bundle = join(work, "bundle.tar.gz");
  try {
    execFileSync(
      findOpa(),
      [
        "build",
        "-t",
        "wasm",
        "-e",
        "keycard/authz/decision",
        "--ignore",
        "*_test.rego",
        "-o",
        bundle,
        "policies/keycard",
      ],
      // A relative library path keeps the build machine's paths out of the wasm's error messages.
      { stdio: ["ignore", "inherit", "inherit"], cwd: root },
    );
  } catch (error) {
    if (error.code === "ENOENT") {
      console.error(
        "The OPA CLI is needed to compile the IAM library: run scripts/bootstrap.sh, or set OPA_PATH.",
      );
      process.exit(1);
    }
    throw error;
  }
  // Extract /policy.wasm from the bundle (tar inside gzip).
  const tar = gunzipSync(readFileSync(bundle));
  let offset = 0;
  let wasm;
  while (offset + 512 <= tar.length) {
    const name = tar
      .subarray(offset, offset + 100)
      .toString("utf8")
      .replace(/\0.*$/s, "");
    if (!name) break;
    const size = Number.parseInt(
      tar
        .subarray(offset + 124, offset + 136)
        .toString("utf8")
        .replace(/\0.*$/s, "")
        .trim() || "0",
      8,
    );
    if (name.replace(/^\/+/, "") === "policy.wasm")
      wasm = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  if (!wasm) throw new Error("opa build produced no policy.wasm");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, wasm);
  console.log(`wrote ${out} (${wasm.length} bytes)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
