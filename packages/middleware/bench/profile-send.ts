/**
 * Profiles full SDK sends with keycard (or without, `PROFILE_VARIANT=plain`), for
 * `node --cpu-prof --conditions=@keycard/source --import tsx bench/profile-send.ts`.
 * `PROFILE_INPUT=distinct` sends a new key every call; the default repeats one input.
 */
import { loadPolicy } from "@keycard/engine";
import { keycardPlugin } from "../src/index.js";
import { benchPolicyDocument, ROLE } from "./bench-policy.js";
import { putObject, s3Client } from "./sdk-calls.js";

const variant = process.env["PROFILE_VARIANT"] ?? "keycard";
const distinct = process.env["PROFILE_INPUT"] === "distinct";
const calls = Number(process.env["PROFILE_CALLS"] ?? 40_000);
const policy = await loadPolicy({
  iam: [{ name: "bench-10.json", document: benchPolicyDocument(10) }],
});
const client = s3Client();
if (variant === "keycard")
  client.middlewareStack.use(keycardPlugin({ policy, principalArn: ROLE }));
for (let i = 0; i < calls; i++)
  await client.send(putObject(distinct ? `2024/${i}.json` : "a.json"));
