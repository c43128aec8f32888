import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import type { CliIo } from "../io.js";
import { run } from "../run.js";

/** The repository root, where the bootstrapped OPA CLI lives. @internal */
export const repoRoot: string = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "..",
);

/** The OPA CLI the tests run: `OPA_PATH`, else the repository's bootstrapped copy. @internal */
export const opaPath: string = process.env.OPA_PATH || join(repoRoot, ".tools", "bin", "opa");

/** A temporary directory removed when the current test finishes. @internal */
export function tempDir(prefix = "keycard-cli-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes files (objects as JSON) under `dir`, creating folders. @internal */
export function writeFiles(dir: string, files: Record<string, string | object>): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(
      target,
      typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`,
    );
  }
}

/** What an in-process run printed and returned. @internal */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output; OPA comes from {@link opaPath} unless `env` says otherwise. @internal */
export async function runCli(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk), isTTY: options.tty ?? false },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: options.tty ?? false },
    env: { PATH: process.env.PATH, OPA_PATH: opaPath, ...options.env },
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

/** Runs git in `cwd` with a fixed identity, returning its output. @internal */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "keycard tests",
      GIT_AUTHOR_EMAIL: "tests@keycard.invalid",
      GIT_COMMITTER_NAME: "keycard tests",
      GIT_COMMITTER_EMAIL: "tests@keycard.invalid",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
    },
  });
}

/** An IAM document allowing reads of one bucket's `orders/` keys. @internal */
export const ordersDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ReadOrders",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: "arn:aws:s3:::orders-documents/orders/*",
    },
    {
      Sid: "StayInOurRegion",
      Effect: "Deny",
      NotAction: ["iam:*", "sts:*"],
      Resource: "*",
      Condition: { StringNotEquals: { "aws:RequestedRegion": "us-east-1" } },
    },
  ],
};

/** A custom rule: order documents are written only with server-side encryption. @internal */
export const ordersRego = `package keycard.custom.orders

# The one key read below is denied on when unknown, so partly known requests are decided here.
decides_unknown := true

deny contains "order documents must be written with server-side encryption" if {
	lower(input.request.action) == "s3:putobject"
	not input.request.context["s3:x-amz-server-side-encryption"]
}
`;

/** Tests for {@link ordersRego}. @internal */
export const ordersRegoTest = `package keycard.custom.orders_test

import data.keycard.custom.orders

test_unencrypted_put_denied if {
	count(orders.deny) == 1 with input as {"request": {"action": "s3:PutObject", "context": {}}}
}

test_encrypted_put_allowed if {
	context := {"s3:x-amz-server-side-encryption": "aws:kms"}
	count(orders.deny) == 0 with input as {"request": {"action": "s3:PutObject", "context": context}}
}

test_decides_partly_known_requests if {
	orders.decides_unknown
}
`;

/** The Regal settings keycard's own policies use: custom rules have no entrypoint of their own. @internal */
export const regalConfig = `rules:
  idiomatic:
    no-defined-entrypoint:
      level: ignore
    directory-package-mismatch:
      level: ignore
  style:
    opa-fmt:
      level: ignore
`;

/** The bootstrapped Regal CLI, passed explicitly so lint results never depend on PATH. @internal */
export const regalPath: string = process.env.REGAL_PATH || join(repoRoot, ".tools", "bin", "regal");

/** Writes the orders policy set (IAM JSON, custom rule and its tests) under `dir/name`. @internal */
export function writeOrdersSet(dir: string, name = "orders"): string {
  const setDir = join(dir, name);
  writeFiles(setDir, {
    "orders.json": ordersDocument,
    "orders.rego": ordersRego,
    "orders_test.rego": ordersRegoTest,
  });
  return setDir;
}
