import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { PolicyDocument, PolicyStatement } from "../src/index.js";
import { engineAt } from "./engine-at.js";

type Engine = typeof import("../src/index.js");

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(here, "..", "..");
const revision = process.argv[2] ?? "HEAD~1";
const work = mkdtempSync(join(tmpdir(), "keycard-engine-versions-"));

const SERVICES = [
  "s3",
  "dynamodb",
  "sqs",
  "sns",
  "lambda",
  "kms",
  "secretsmanager",
  "ssm",
  "logs",
  "kinesis",
];
const grant = (i: number) => {
  const service = SERVICES[i % SERVICES.length] as string;
  const base = `arn:aws:${service}:us-east-1:123456789012:thing-${i}`;
  return { action: `${service}:Action${Math.floor(i / SERVICES.length) % 400}`, base };
};
const size = 100;
const document: PolicyDocument = {
  Version: "2012-10-17",
  Statement: Array.from({ length: size }, (_, i) => ({
    Sid: `S${i}`,
    Effect: "Allow" as const,
    Action: grant(i).action,
    Resource: `${grant(i).base}/*`,
  })),
};
const principal = {
  arn: "arn:aws:sts::123456789012:assumed-role/app/session",
  accountId: "123456789012",
  type: "AssumedRole",
  tags: {},
};
const input = (k: number) => {
  const g = grant((k * 7919) % size);
  return {
    principal,
    region: "us-east-1",
    requests: [{ action: g.action, resource: `${g.base}/item-${k}` }],
  };
};

/** The same statements and one Deny on a key every request carries, as real policies have. */
const guardedDocument: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    ...(document.Statement as PolicyStatement[]),
    {
      Sid: "TlsOnly",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
};
const sealedPrincipal = Object.freeze({
  arn: "arn:aws:sts::123456789012:assumed-role/app/session",
  accountId: "123456789012",
  type: "AssumedRole",
});
/** The keys of S3 `PutObject` that only AWS knows, as the mapping lists them. */
const UNKNOWN_TO_KEYCARD = [
  "s3:AccessGrantsInstanceArn",
  "s3:ObjectCreationOperation",
  "s3:ResourceAccount",
  "s3:TlsVersion",
  "s3:object-lock-event-hold",
  "s3:object-lock-event-hold-duration-days",
  "s3:object-lock-remaining-retention-days",
  "s3:signatureAge",
  "s3:x-amz-content-sha256",
  "s3:x-amz-object-annotation-directive",
];

const middlewareContext = () => ({
  "aws:CurrentTime": "2026-12-01T22:16:09Z",
  "aws:EpochTime": 1796163369,
  "aws:SecureTransport": true,
  "aws:RequestedRegion": "us-east-1",
  "aws:PrincipalArn": sealedPrincipal.arn,
  "aws:PrincipalAccount": "123456789012",
  "aws:PrincipalType": "AssumedRole",
  "s3:authType": "REST-HEADER",
  "s3:signatureversion": "AWS4-HMAC-SHA256",
});
/** What `@keycard/iam-map` hands out for every S3 `PutObject` of one caller within a second. */
const sharedContext = Object.freeze(middlewareContext());
const sharedUnknown = Object.freeze([...UNKNOWN_TO_KEYCARD]);

/**
 * A request as `@keycard/middleware` hands it over for S3 `PutObject`: a frozen principal, the
 * global keys and two service keys in the context, and the ten keys only AWS knows listed as
 * unknown. `shared`: the one frozen context and list the mapping hands to every call of the
 * second; `new`: new objects on every call, as a caller building its own input has; `new,
 * frozen`: a frozen context whose values differ on every call, which is read and kept for
 * nothing.
 */
const middlewareInput = (shared: "shared" | "new" | "new, frozen") => (k: number) => {
  const g = grant((k * 7919) % size);
  const context =
    shared === "shared"
      ? sharedContext
      : shared === "new"
        ? middlewareContext()
        : Object.freeze({ ...middlewareContext(), "aws:EpochTime": k });
  return {
    principal: sealedPrincipal,
    region: "us-east-1",
    requests: [
      {
        action: g.action,
        resource: `${g.base}/item-${k}`,
        context,
        unknownContext: shared === "new" ? [...UNKNOWN_TO_KEYCARD] : sharedUnknown,
      },
    ],
  };
};

const SHAPES = {
  "action and resource only": { document, input },
  "as the middleware sends them (frozen principal; the 9-key context and 10 unknown keys shared by the calls of a second, frozen; one Deny on a context key)":
    { document: guardedDocument, input: middlewareInput("shared") },
  "the same with a new context and list on every call": {
    document: guardedDocument,
    input: middlewareInput("new"),
  },
  "the same with a new frozen context on every call (a value that differs per call; the worst case for reading sealed contexts once)":
    { document: guardedDocument, input: middlewareInput("new, frozen") },
};

async function main(): Promise<void> {
  const before = (await import(pathToFileURL(engineAt(root, revision, work)).href)) as Engine;
  const after = (await import(pathToFileURL(join(here, "dist", "index.js")).href)) as Engine;
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 40_000);
  console.log(
    `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}; ${size} statements, ` +
      `a new resource every call, ${iterations.toLocaleString("en-US")} calls interleaved; before = ${revision}`,
  );
  for (const [shape, { document: policyDocument, input: inputFor }] of Object.entries(SHAPES)) {
    const load = (engine: Engine, cache: boolean) =>
      engine.loadPolicy({
        iam: [{ name: "bench", document: policyDocument }],
        checkActions: false,
        ...(cache ? {} : { cache: false }),
      });
    const policies = {
      "uncached, before": await load(before, false),
      "uncached, after": await load(after, false),
      "reused, before": await load(before, true),
      "reused, after": await load(after, true),
    };
    const names = Object.keys(policies) as Array<keyof typeof policies>;
    const samples = new Map(names.map((name) => [name, new Float64Array(iterations)]));
    for (let i = 0; i < 5000; i++) for (const name of names) policies[name].evaluate(inputFor(i));
    for (let i = 0; i < iterations; i++) {
      // Every call a new object key, as real traffic has.
      const next = inputFor(1_000_000 + i);
      for (const name of names) {
        const started = process.hrtime.bigint();
        const decision = policies[name].evaluate(next);
        (samples.get(name) as Float64Array)[i] = Number(process.hrtime.bigint() - started) / 1000;
        if (!decision.allow) throw new Error(`${name} denied a granted request`);
      }
    }
    const stat = (name: (typeof names)[number], p: number) => {
      const sorted = (samples.get(name) as Float64Array).sort();
      return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
    };
    console.log("");
    console.log(`Requests: ${shape}`);
    console.log("");
    console.log("| case | p50 | p99 |");
    console.log("|---|---:|---:|");
    for (const name of names)
      console.log(
        `| ${name} | ${stat(name, 0.5).toFixed(2)} µs | ${stat(name, 0.99).toFixed(2)} µs |`,
      );
    console.log("");
    for (const kind of ["uncached", "reused"] as const) {
      const ratio = stat(`${kind}, before`, 0.5) / stat(`${kind}, after`, 0.5);
      console.log(`${kind}: before / after (p50) = ${ratio.toFixed(2)}×`);
    }
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
