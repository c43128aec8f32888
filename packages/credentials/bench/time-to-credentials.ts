/**
 * Time to first credentials, role-first chain vs the SDK's default chain, for the same scenarios.
 * Everything is on loopback: moto for STS, small HTTP servers for IMDSv2 and container
 * credentials, and a port that accepts connections and never answers as an unreachable metadata
 * endpoint (the probe's worst case: it waits a second for an answer, where a dropped connection
 * attempt costs only the 150 ms connection timeout).
 *
 *   npm run bench -w @keycard/credentials
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { startMoto } from "@keycard/test-utils";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { credentialSourceOf } from "../src/credential-source.js";
import { fromRoleFirstChain } from "../src/role-first-chain.js";
import { type IsolatedEnv, isolateEnv } from "../src/test-utils/env.js";
import {
  fakeCredentials,
  startBlackhole,
  startContainerEndpoint,
  startImds,
} from "../src/test-utils/servers.js";

const RUNS = 7;
const ROLE_ARN = "arn:aws:iam::123456789012:role/app";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const moto = await startMoto();
const blackhole = await startBlackhole();
const imds = await startImds({ role: "app-instance", credentials: () => fakeCredentials() });
const container = await startContainerEndpoint({
  authorization: "bench-token",
  credentials: () => fakeCredentials(),
});

interface Scenario {
  name: string;
  arrange(env: IsolatedEnv): void;
}

const staticKeys = () => {
  process.env["AWS_ACCESS_KEY_ID"] = "AKIABENCHSTATIC00001";
  process.env["AWS_SECRET_ACCESS_KEY"] = "bench-static-secret-0000000000000000001";
};

const scenarios: Scenario[] = [
  {
    name: "web identity",
    arrange(env) {
      const token = join(env.dir, "token");
      writeFileSync(token, "bench-web-identity-token");
      process.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = token;
      process.env["AWS_ROLE_ARN"] = ROLE_ARN;
    },
  },
  {
    name: "container (full URI + token)",
    arrange() {
      process.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = `${container.url}/v1/credentials`;
      process.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "bench-token";
    },
  },
  {
    name: "instance metadata (IMDSv2)",
    arrange() {
      process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
    },
  },
  {
    name: "profile role (source_profile)",
    arrange(env) {
      writeFileSync(
        env.configFile,
        `[profile app]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\n`,
      );
      writeFileSync(
        env.credentialsFile,
        "[base]\naws_access_key_id = AKIABENCHBASE0000001\naws_secret_access_key = bench-base-secret-000000000001\n",
      );
      process.env["AWS_PROFILE"] = "app";
    },
  },
  {
    name: "instance metadata + static env keys",
    arrange() {
      process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url;
      staticKeys();
    },
  },
  {
    name: "static env keys, metadata unreachable",
    arrange() {
      process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = blackhole.url;
      staticKeys();
    },
  },
  {
    name: "nothing, metadata unreachable (time to error)",
    arrange() {
      process.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = blackhole.url;
    },
  },
];

type Chain = "keycard" | "sdk";

async function once(scenario: Scenario, chain: Chain): Promise<{ ms: number; outcome: string }> {
  const env = isolateEnv({
    AWS_ENDPOINT_URL_STS: moto.endpoint,
    AWS_ENDPOINT_URL_IAM: moto.endpoint,
  });
  try {
    scenario.arrange(env);
    const provider: AwsCredentialIdentityProvider =
      chain === "keycard"
        ? fromRoleFirstChain({ logger: quiet, staticKeys: "allow" })
        : fromNodeProviderChain({ logger: quiet });
    const started = performance.now();
    let outcome: string;
    try {
      const creds = await provider();
      const features = Object.keys((creds as { $source?: object }).$source ?? {}).filter((f) =>
        f.startsWith("CREDENTIALS_"),
      );
      outcome = credentialSourceOf(creds)?.source ?? (features.join(", ") || "(no $source)");
    } catch (error) {
      outcome = `error: ${error instanceof Error ? error.name : "unknown"}`;
    }
    return { ms: performance.now() - started, outcome };
  } finally {
    env.restore();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

// Load every module once, so the figures compare chains rather than import times.
for (const scenario of scenarios) {
  await once(scenario, "keycard");
  await once(scenario, "sdk");
}

const rows: string[][] = [];
for (const scenario of scenarios) {
  const results: Record<Chain, { ms: number[]; outcome: string }> = {
    keycard: { ms: [], outcome: "" },
    sdk: { ms: [], outcome: "" },
  };
  for (let i = 0; i < RUNS; i++) {
    for (const chain of ["keycard", "sdk"] as const) {
      const { ms, outcome } = await once(scenario, chain);
      results[chain].ms.push(ms);
      results[chain].outcome = outcome;
    }
  }
  const k = median(results.keycard.ms);
  const s = median(results.sdk.ms);
  rows.push([
    scenario.name,
    `${k.toFixed(1)} ms`,
    results.keycard.outcome,
    `${s.toFixed(1)} ms`,
    results.sdk.outcome,
    `${(k / s).toFixed(2)}×`,
  ]);
}

const header = [
  "scenario",
  "fromRoleFirstChain",
  "source",
  "fromNodeProviderChain",
  "source",
  "ratio",
];
const lines = [
  `| ${header.join(" | ")} |`,
  `|${header.map(() => "---").join("|")}|`,
  ...rows.map((row) => `| ${row.join(" | ")} |`),
];
console.log(
  `Time to first credentials, median of ${RUNS} runs (Node ${process.version}, ${process.platform})`,
);
console.log(lines.join("\n"));

await Promise.all([container.close(), imds.close(), blackhole.close()]);
await moto.stop();
