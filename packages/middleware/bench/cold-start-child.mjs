// One cold start, in a fresh process: what an application does before its first SDK call
// returns, with or without keycard. Prints one JSON line of timings (ms since the process
// started) and memory. Run by cold-start.bench.mjs; `node bench/cold-start-child.mjs keycard`.
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";

const variant = process.argv[2] ?? "plain";
const marks = {};
const mark = (name) => {
  marks[name] = performance.now();
};
mark("start");

const { PutObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
mark("sdk imported");
const client = new S3Client({
  region: "us-east-1",
  endpoint: "http://127.0.0.1:9",
  forcePathStyle: true,
  maxAttempts: 1,
  credentials: {
    accessKeyId: "AKIACOLDSTART0000001",
    secretAccessKey: "cold",
    accountId: "123456789012",
  },
  requestHandler: {
    async handle() {
      return {
        response: {
          statusCode: 200,
          headers: { etag: '"x"' },
          body: Readable.from([Buffer.alloc(0)]),
        },
      };
    },
  },
});

if (variant === "imports") {
  // keycard's packages imported and nothing else: what the import alone adds.
  await import("@keycard/engine");
  await import("@keycard/middleware");
  mark("keycard imported");
} else if (variant !== "plain") {
  const { loadPolicy } = await import("@keycard/engine");
  mark("engine imported");
  const { keycardPlugin } = await import("@keycard/middleware");
  mark("middleware imported");
  const Statement = [
    {
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: "arn:aws:s3:::orders/*",
    },
  ];
  for (let i = 1; i < 10; i++) {
    Statement.push({
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::bucket-${i}/*`,
    });
  }
  const policy = await loadPolicy({
    iam: [{ name: "cold.json", document: { Version: "2012-10-17", Statement } }],
  });
  mark("policy loaded");
  if (variant === "keycard-steps") {
    // What the first checked call does, step by step: load S3's IAM reference data, map the
    // call, evaluate it (the WebAssembly module's first run).
    const { authorizationForSync, preloadServices } = await import("@keycard/iam-map");
    mark("iam-map imported");
    await preloadServices(["S3Client"]);
    mark("IAM data for S3 loaded");
    const mapped = authorizationForSync({
      service: "S3Client",
      operation: "PutObject",
      input: { Bucket: "orders", Key: "b.json" },
      region: "us-east-1",
      accountId: "123456789012",
    });
    mark("first mapping");
    if (!policy.evaluate({ region: "us-east-1", requests: mapped.requests }).allow) {
      throw new Error("the cold-start policy must allow the call");
    }
    mark("first evaluation");
  }
  client.middlewareStack.use(
    keycardPlugin({ policy, principalArn: "arn:aws:iam::123456789012:role/cold" }),
  );
}

await client.send(new PutObjectCommand({ Bucket: "orders", Key: "a.json", Body: "{}" }));
mark("first call done");

const phases = {};
let last = 0;
for (const [name, at] of Object.entries(marks)) {
  phases[name] = at - last;
  last = at;
}
const { rss, heapUsed } = process.memoryUsage();
// The resident set split (Linux): private memory, and pages of mapped files (Node's own executable,
// shared with every process that runs it, whose code pages come in as code first runs).
let anon;
let file;
try {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1]) * 1024;
  anon = kb("RssAnon");
  file = kb("RssFile");
} catch {
  // Not Linux: the split is left out.
}
console.log(JSON.stringify({ variant, total: last, phases, rss, anon, file, heapUsed }));
