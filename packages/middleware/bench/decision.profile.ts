/**
 * keycard's decision alone, in a loop, for CPU profiles: one case of the overhead benchmark with
 * a new input on every call. Run:
 * `node --cpu-prof --conditions=@keycard/source --import tsx bench/decision.profile.ts`
 * Environment: `PROFILE_CALL` (`s3`, the default, or `dynamodb`), `PROFILE_STATEMENTS` (10),
 * `PROFILE_CALLS` (20,000).
 */
import { loadPolicy } from "@keycard/engine";
import { benchPolicyDocument, ROLE } from "./bench-policy.js";
import { dynamoClient, getItem, putObject, s3Client } from "./sdk-calls.js";
import { makeCase } from "./side-by-side.js";

const statements = Number(process.env["PROFILE_STATEMENTS"] ?? 10);
const calls = Number(process.env["PROFILE_CALLS"] ?? 20_000);
const policy = await loadPolicy({
  iam: [{ name: "profile.json", document: benchPolicyDocument(statements) }],
});
const options = { policy, principalArn: ROLE };
const c =
  process.env["PROFILE_CALL"] === "dynamodb"
    ? await makeCase(dynamoClient, (i) => getItem(String(i)), options)
    : await makeCase(s3Client, (i) => putObject(`2024/${i}.json`), options);
for (let i = 0; i < 2000; i++) await c.decide();
const start = process.hrtime.bigint();
for (let i = 0; i < calls; i++) await c.decide();
const perCall = Number(process.hrtime.bigint() - start) / 1000 / calls;
console.log(`${perCall.toFixed(1)} µs per decision (${statements} statements)`);
