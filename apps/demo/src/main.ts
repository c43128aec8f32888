/**
 * The keycard demo: an orders service under least privilege, against moto on 127.0.0.1.
 * Exits 0 only when every expectation printed at the end holds.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { run as keycard } from "@keycard/cli";
import { credentialSourceOf, fromRoleFirstChain } from "@keycard/credentials";
import { loadPolicy, type Policy } from "@keycard/engine";
import {
  type KeycardDecision,
  KeycardDeniedError,
  type KeycardOptions,
  keycardPlugin,
  LearnRecorder,
} from "@keycard/middleware";
import { startMoto } from "@keycard/test-utils";
import { startContainerCredentialsEndpoint } from "./credentials-endpoint.js";
import { rogueCalls } from "./misbehaving-dependency.js";
import { createOrdersResources } from "./orders-resources.js";
import { ORDERS_BUCKET, type OrdersClients, placeOrder } from "./orders-service.js";
import { decisionTable } from "./report.js";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/orders-service`;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const policySet = join(repoRoot, "policies", "orders");
// The bootstrap builds the pinned OPA CLI here; `keycard build` needs it for the custom Rego.
const bootstrappedOpa = join(repoRoot, ".tools", "bin", "opa");
if (!process.env.OPA_PATH && existsSync(bootstrappedOpa)) process.env.OPA_PATH = bootstrappedOpa;
const bootstrappedRegal = join(repoRoot, ".tools", "bin", "regal");
if (!process.env.REGAL_PATH && existsSync(bootstrappedRegal))
  process.env.REGAL_PATH = bootstrappedRegal;

const checks: Array<{ what: string; ok: boolean }> = [];
function expect(what: string, ok: boolean): void {
  checks.push({ what, ok });
  console.log(`  ${ok ? "✔" : "✘"} ${what}`);
}
function heading(text: string): void {
  console.log(`\n── ${text} ${"─".repeat(Math.max(0, 72 - text.length))}`);
}

async function main(): Promise<number> {
  heading("starting a local AWS emulator (moto) on 127.0.0.1");
  const moto = await startMoto();
  const work = mkdtempSync(join(tmpdir(), "keycard-demo-"));
  const admin = {
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "AKIAADMINSETUP000000", secretAccessKey: "admin" },
  };
  let endpoint: Awaited<ReturnType<typeof startContainerCredentialsEndpoint>> | undefined;
  try {
    await createOrdersResources(admin);
    const s3Admin = new S3Client({ ...admin, forcePathStyle: true });
    const iamAdmin = new IAMClient(admin);
    await iamAdmin.send(new CreateUserCommand({ UserName: "deploy" }));
    await iamAdmin.send(
      new CreateRoleCommand({
        RoleName: "orders-service",
        AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
      }),
    );
    console.log(
      `  moto at ${moto.endpoint}: bucket, table, queue, secret, IAM user and role created`,
    );

    heading("credentials: a container role endpoint, and a decoy static key that must lose");
    const sts = new STSClient(admin);
    endpoint = await startContainerCredentialsEndpoint(async () => {
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "orders-demo" }),
      );
      if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey || !Credentials.SessionToken)
        throw new Error("no role session");
      return {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretAccessKey,
        sessionToken: Credentials.SessionToken,
        expiration: Credentials.Expiration ?? new Date(Date.now() + 3600_000),
        accountId: ACCOUNT,
      };
    });
    Object.assign(process.env, {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.uri,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: endpoint.token,
      AWS_ACCESS_KEY_ID: "AKIADECOYSTATICKEY00",
      AWS_SECRET_ACCESS_KEY: "decoy-static-secret",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      AWS_REGION: REGION,
    });
    const credentials = fromRoleFirstChain({
      logger: { warn: (m: string) => console.log(`  warning: ${m}`), error: console.error },
    });
    const identity = await credentials();
    const source = credentialSourceOf(identity)?.source;
    console.log(`  resolved ${identity.accessKeyId.slice(0, 4)}… from ${source}`);
    expect(
      "the role (container endpoint) wins over the static key in the environment",
      source === "container",
    );
    expect(
      "the credentials are a temporary role session (ASIA…)",
      identity.accessKeyId.startsWith("ASIA"),
    );

    heading("the committed policy: policies/orders (IAM JSON + custom Rego)");
    const bundle = join(work, "orders.tar.gz");
    const built = await keycard(["build", policySet, "-o", bundle]);
    expect("keycard build compiles the policy set into a bundle", built === 0);
    const policy = await loadPolicy({ bundle });

    const decisions: KeycardDecision[] = [];
    const clientsFor = (options: KeycardOptions): OrdersClients & { iam: IAMClient } => {
      const config = { region: REGION, endpoint: moto.endpoint, credentials };
      const plugin = keycardPlugin({ ...options, onDecision: (d) => decisions.push(d) });
      const clients = {
        s3: new S3Client({ ...config, forcePathStyle: true }),
        dynamodb: new DynamoDBClient(config),
        sqs: new SQSClient(config),
        secrets: new SecretsManagerClient(config),
        iam: new IAMClient(config),
      };
      for (const client of Object.values(clients)) client.middlewareStack.use(plugin);
      return clients;
    };

    heading("the orders service at work (enforce mode)");
    const service = clientsFor({
      policy,
      mode: "enforce",
      decisionLog: join(work, "enforce.jsonl"),
    });
    let normalWorkOk = true;
    try {
      for (const orderId of ["1001", "1002"]) await placeOrder(service, orderId);
    } catch (error) {
      normalWorkOk = false;
      console.log(
        `  ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
    }
    expect(
      "every call of the normal work is allowed and completes its round trip",
      normalWorkOk && decisions.every((d) => d.allow),
    );

    heading("a misbehaving dependency, same process, same credentials");
    const before = await moto.requestCount();
    let refused = 0;
    for (const call of rogueCalls(service.s3, service.iam)) {
      try {
        await call.run();
        console.log(`  ✘ ${call.description}: it was sent`);
      } catch (error) {
        if (error instanceof KeycardDeniedError) {
          refused++;
          console.log(`  refused: ${call.description}`);
          for (const line of error.message.split("\n").slice(0, 2)) console.log(`    ${line}`);
        } else {
          console.log(`  ✘ ${call.description}: ${String(error)}`);
        }
      }
    }
    const after = await moto.requestCount();
    expect("all three calls were refused with KeycardDeniedError", refused === 3);
    expect("none of them reached AWS (the emulator saw no request)", after === before);
    await s3Admin.send(new HeadBucketCommand({ Bucket: ORDERS_BUCKET }));
    const keys = await iamAdmin.send(new ListAccessKeysCommand({ UserName: "deploy" }));
    expect(
      "the orders bucket still exists and no access key was created",
      (keys.AccessKeyMetadata ?? []).length === 0,
    );

    heading("decisions");
    console.log(decisionTable(decisions));

    heading("learn mode: the least-privilege policy the service actually needs");
    const recorder = new LearnRecorder();
    decisions.length = 0;
    await placeOrder(clientsFor({ mode: "learn", recorder }), "2001");
    const learned = await recorder.policy();
    console.log(JSON.stringify(learned, null, 2));
    const statements = Array.isArray(learned.Statement) ? learned.Statement : [learned.Statement];
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(
      "the learned policy names exact actions, never a wildcard",
      actions.length > 0 && actions.every((a) => typeof a === "string" && !a.includes("*")),
    );
    const relearned: Policy = await loadPolicy({
      iam: [{ name: "learned.json", document: learned }],
    });
    const replay = recorder
      .records()
      .map((r) =>
        relearned.evaluate({ region: REGION, principal: { accountId: ACCOUNT }, requests: [r] }),
      );
    expect(
      "the learned policy allows every request it was learned from",
      replay.every((d) => d.allow),
    );

    heading(
      "the gate's diff: committed policy (base) → learned allows + committed guardrails (head)",
    );
    // A team adopting the learned policy keeps its guardrails: the committed Deny statements
    // and the custom Rego rules. The diff then shows what the tighter allows take away, and
    // anything learn mode could not carry over (it records requests, not their conditions).
    const committed = JSON.parse(readFileSync(join(policySet, "orders-service.json"), "utf8")) as {
      Statement: Array<{ Effect: string }>;
    };
    const guardrails = committed.Statement.filter((statement) => statement.Effect === "Deny");
    const head = { ...learned, Statement: [...statements, ...guardrails] };
    const learnedSet = join(work, "orders-learned");
    mkdirSync(learnedSet, { recursive: true });
    writeFileSync(join(learnedSet, "orders-service.json"), `${JSON.stringify(head, null, 2)}\n`);
    for (const file of readdirSync(policySet).filter((f) => f.endsWith(".rego"))) {
      writeFileSync(join(learnedSet, file), readFileSync(join(policySet, file)));
    }
    const regalConfig = ["--regal-config", join(repoRoot, "policies", ".regal", "config.yaml")];
    await keycard(["diff", ...regalConfig, policySet, learnedSet], { cwd: repoRoot });
    let json = "";
    await keycard(["diff", "--json", ...regalConfig, policySet, learnedSet], {
      cwd: repoRoot,
      stdout: { write: (chunk: string) => (json += chunk) },
    });
    const report = JSON.parse(json) as {
      counts?: { newAccess?: number; removedAccess?: number; invalid?: number };
    };
    const counts = report.counts ?? {};
    console.log(
      `  the gate counted ${counts.removedAccess ?? "?"} removed and ${counts.newAccess ?? "?"} new access groups`,
    );
    if ((counts.newAccess ?? 0) > 0) {
      console.log(
        "  (learn mode records requests, not the conditions that guarded them — here the s3:prefix\n" +
          "   condition on s3:ListBucket — so the gate flags that as new access for a reviewer to restore)",
      );
    }
    expect("the gate shows the access the learned policy removes", (counts.removedAccess ?? 0) > 0);
    expect("the learned policy set is valid and its tests pass", (counts.invalid ?? 1) === 0);
  } finally {
    await endpoint?.close();
    await moto.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const failed = checks.filter((c) => !c.ok);
  heading(
    failed.length === 0
      ? `all ${checks.length} expectations held`
      : `${failed.length} of ${checks.length} expectations failed`,
  );
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
