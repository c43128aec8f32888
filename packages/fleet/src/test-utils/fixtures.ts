import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPolicy } from "@keycard/engine";
import { makeTempDir, repoRoot, toolPath } from "@keycard/test-utils";
import { onTestFinished } from "vitest";
import { writeBundleFiles } from "../archive.js";

/** Key pairs as PEM, generated per run so no key is checked in. */
export function rsaKeys(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

export function ecKeys(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync("ec", {
    namedCurve: "P-256",
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

export const HMAC_SECRET = "a-shared-secret-of-at-least-32-bytes!!";

export const opa = toolPath("opa");

/** A temporary directory removed when the test ends. */
export function tempDir(): string {
  const { dir, cleanup } = makeTempDir("keycard-fleet-");
  onTestFinished(cleanup);
  return dir;
}

/** A small bundle of plain files (no wasm), for signature tests. */
export function plainBundle(extra: Record<string, string> = {}): Uint8Array {
  const files: Array<[string, Uint8Array]> = Object.entries({
    "data.json": JSON.stringify({ app: { n: 1.0, s: "<a>&" } }),
    "app/p.rego": "package app\n\nallow if input.a == 1\n",
    ...extra,
  }).map(([name, text]) => [name, new TextEncoder().encode(text)]);
  return writeBundleFiles(files);
}

/** The orders IAM document with one more allowed action, for a policy change. */
export function ordersDocument(extraActions: string[] = []): unknown {
  const doc = JSON.parse(
    readFileSync(join(repoRoot, "policies", "orders", "orders-service.json"), "utf8"),
  );
  if (extraActions.length)
    doc.Statement.push({ Sid: "Extra", Effect: "Allow", Action: extraActions, Resource: "*" });
  return doc;
}

/**
 * A bundle the engine loads: the built-in IAM library's wasm with the given IAM documents
 * in `data.json` under `keycard.documents`, like `keycard build` without custom Rego.
 */
export async function keycardBundle(documents: unknown[], revision?: string): Promise<Uint8Array> {
  const wasm = readFileSync(join(repoRoot, "packages", "engine", "wasm", "keycard.wasm"));
  const data = {
    keycard: { documents: documents.map((document, i) => ({ name: `doc${i}.json`, document })) },
  };
  const files: Array<[string, Uint8Array]> = [
    ["data.json", new TextEncoder().encode(JSON.stringify(data))],
    ["policy.wasm", wasm],
  ];
  if (revision !== undefined)
    files.push([".manifest", new TextEncoder().encode(JSON.stringify({ revision }))]);
  const bundle = writeBundleFiles(files);
  await loadPolicy({ bundle, cache: false });
  return bundle;
}

/** Writes a source tree for `opa build -b` and returns its path. */
export function opaSourceTree(dir: string, files: Record<string, string>): string {
  const root = join(dir, "src");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

/** Runs the OPA CLI; returns its exit code and output. */
export function runOpa(args: string[], cwd?: string): { code: number; output: string } {
  try {
    const output = execFileSync(opa, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { code: 0, output };
  } catch (thrown) {
    const e = thrown as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}
