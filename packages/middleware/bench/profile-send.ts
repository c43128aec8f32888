/**
 * Profiles full SDK sends with keycard (or without, `PROFILE_VARIANT=plain`), for
 * `node --cpu-prof --conditions=@keycard/source --import tsx bench/profile-send.ts`.
 * `PROFILE_INPUT=distinct` sends a new key every call; the default repeats one input.
 * `PROFILE_CALL=dynamodb` sends DynamoDB `GetItem` calls instead of S3 `PutObject`.
 */
import { loadPolicy } from "@keycard/engine";
import { keycardPlugin } from "../src/index.js";
import { benchPolicyDocument, ROLE } from "./bench-policy.js";
import { dynamoClient, getItem, putObject, s3Client } from "./sdk-calls.js";

const variant = process.env["PROFILE_VARIANT"] ?? "keycard";
const distinct = process.env["PROFILE_INPUT"] === "distinct";
const calls = Number(process.env["PROFILE_CALLS"] ?? 40_000);
const policy = await loadPolicy({
  iam: [{ name: "bench-10.json", document: benchPolicyDocument(10) }],
});
const plugin = keycardPlugin({ policy, principalArn: ROLE });
const name = (i: number) => (distinct ? String(i) : "a");
if (process.env["PROFILE_CALL"] === "dynamodb") {
  const client = dynamoClient();
  if (variant === "keycard") client.middlewareStack.use(plugin);
  for (let i = 0; i < calls; i++) await client.send(getItem(name(i)));
} else {
  const client = s3Client();
  if (variant === "keycard") client.middlewareStack.use(plugin);
  for (let i = 0; i < calls; i++) await client.send(putObject(`2024/${name(i)}.json`));
}
