import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { matchesTemplate } from "./arn-template.js";
import { authorizationFor } from "./authorization.js";
import { assignedParts, operationActionExceptions, variableSynonyms } from "./exceptions.js";
import { loadedCatalog } from "./iam-catalog.js";
import { passRoleMembers } from "./pass-role.js";
import { serviceRules } from "./rules.js";

/*
 * A differential check against a second source: the botocore service models that the moto
 * package ships (installed into the repository's `.tools/venv` by the bootstrap). They are written
 * independently of the AWS SDK for JavaScript and of the IAM reference data, so a member path in
 * the PassRole table that botocore does not know is a typo or a renamed member.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function botocoreData(): string | undefined {
  const lib = join(ROOT, ".tools", "venv", "lib");
  if (!existsSync(lib)) return undefined;
  for (const python of readdirSync(lib)) {
    const data = join(lib, python, "site-packages", "botocore", "data");
    if (existsSync(data)) return data;
  }
  return undefined;
}

const DATA = botocoreData();

/** IAM prefix → botocore service directory, where they differ. */
const DIRECTORY: Readonly<Record<string, string>> = { states: "stepfunctions" };

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  required?: string[];
}
interface Model {
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

const models = new Map<string, Model | undefined>();

function model(prefix: string): Model | undefined {
  if (models.has(prefix)) return models.get(prefix);
  const dir = join(DATA!, DIRECTORY[prefix] ?? prefix);
  let m: Model | undefined;
  if (existsSync(dir)) {
    const latest = readdirSync(dir).sort().at(-1)!;
    m = JSON.parse(gunzipSync(readFileSync(join(dir, latest, "service-2.json.gz"))).toString());
  }
  models.set(prefix, m);
  return m;
}

/** Whether botocore's input shape has the member path (`overrides.taskRoleArn`, `Targets[].RoleArn`). */
function hasPath(m: Model, operation: string, path: string): boolean {
  let shape = m.shapes[m.operations[operation]?.input?.shape ?? ""];
  for (const step of path.split(".")) {
    const each = step.endsWith("[]");
    const name = each ? step.slice(0, -2) : step;
    const next = shape?.members?.[name];
    if (!next) return false;
    shape = m.shapes[next.shape];
    if (each) shape = shape?.member ? m.shapes[shape.member.shape] : undefined;
  }
  return true;
}

/** Top-level input members that look like a role another service assumes. */
const ROLE_MEMBER =
  /^(role|rolearn|servicerolearn|executionrolearn|taskrolearn|iaminstanceprofile)$/i;

describe.skipIf(!DATA)("PassRole table against the botocore service models", () => {
  it("every member path the table names exists in botocore's input shape", () => {
    let checked = 0;
    const missing: string[] = [];
    const unmapped: string[] = [];
    for (const [prefix, operations] of Object.entries(passRoleMembers)) {
      const m = model(prefix);
      if (!m) continue;
      for (const [operation, [, ...paths]] of Object.entries(operations)) {
        for (const path of paths) {
          checked++;
          if (!hasPath(m, operation, path)) missing.push(`${prefix}:${operation} ${path}`);
        }
      }
      // Operations botocore gives a role-like member that the table does not list: printed for review.
      for (const [operation, op] of Object.entries(m.operations)) {
        const members = m.shapes[op.input?.shape ?? ""]?.members ?? {};
        if (Object.keys(members).some((k) => ROLE_MEMBER.test(k)) && !operations[operation]) {
          unmapped.push(`${prefix}:${operation}`);
        }
      }
    }
    console.log(
      `botocore agreement: ${checked - missing.length}/${checked} PassRole member paths found; ` +
        `${unmapped.length} operations of these services have a role-like member the table does not list` +
        (unmapped.length > 0
          ? ` (${unmapped.slice(0, 20).join(", ")}${unmapped.length > 20 ? ", …" : ""})`
          : ""),
    );
    expect(checked).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });
});

/** The services with curated rules or recorded exceptions: what the differential covers. */
const CURATED = [
  ...new Set([
    ...Object.keys(serviceRules),
    ...Object.keys(operationActionExceptions),
    ...Object.keys(variableSynonyms)
      .filter((k) => k.includes(":"))
      .map((k) => k.slice(0, k.indexOf(":"))),
  ]),
]
  .filter((prefix) => DATA && model(prefix))
  .sort();

/** `prefix:Operation:Variable` keys of a table, as `[prefix, operation]`. */
function operationKeys(table: Readonly<Record<string, unknown>>): Array<[string, string]> {
  return Object.keys(table)
    .map((k) => k.split(":"))
    .filter((parts) => parts.length === 3)
    .map(([prefix, operation]) => [prefix!, operation!]);
}

/** Top-level input members of botocore's operation, in lower case. */
function inputMembers(m: Model, operation: string): Set<string> {
  const members = m.shapes[m.operations[operation]?.input?.shape ?? ""]?.members ?? {};
  return new Set(Object.keys(members).map((k) => k.toLowerCase()));
}

/** An input with botocore's required members filled, as an application sends them. */
function botocoreInput(m: Model, operation: string): Record<string, unknown> {
  const shape = m.shapes[m.operations[operation]?.input?.shape ?? ""];
  const out: Record<string, unknown> = {};
  for (const name of shape?.required ?? []) {
    const member = m.shapes[shape?.members?.[name]?.shape ?? ""];
    const text = `example-${name.toLowerCase()}`;
    if (member?.type === "string") out[name] = text;
    else if (member?.type === "integer" || member?.type === "long") out[name] = 1;
    else if (member?.type === "boolean") out[name] = true;
    else if (member?.type === "list") {
      out[name] = m.shapes[member.member?.shape ?? ""]?.type === "string" ? [text] : [];
    } else if (member?.type === "timestamp") out[name] = new Date("2024-01-01T00:00:00Z");
    else if (member?.type === "blob") out[name] = new Uint8Array(1);
    else out[name] = {};
  }
  if (typeof out["QueueUrl"] === "string") {
    out["QueueUrl"] = "https://sqs.us-east-1.amazonaws.com/123456789012/example-queue";
  }
  return out;
}

/**
 * Known disagreements, each for a reason the README gives: API Gateway routes the IAM reference
 * has no resource type for (authorized on their REST path all the same), and a tag call whose
 * sample `resourceArn` is not an ARN.
 */
const EXPECTED_MISFITS = [
  "apigateway:CreateResource",
  "apigateway:DeleteDomainNameAccessAssociation",
  "apigateway:GetSdkType",
  "apigateway:GetSdkTypes",
  "apigateway:RejectDomainNameAccessAssociation",
  "apigateway:TagResource",
  "apigateway:TestInvokeAuthorizer",
  "apigateway:TestInvokeMethod",
];

describe.skipIf(!DATA)("curated services against botocore and the IAM reference", () => {
  it("every operation a curated rule or exception names is an operation botocore knows", () => {
    const named: Array<[string, string]> = [];
    for (const prefix of CURATED) {
      for (const op of Object.keys(serviceRules[prefix]?.operations ?? {}))
        named.push([prefix, op]);
      for (const op of Object.keys(operationActionExceptions[prefix] ?? {}))
        named.push([prefix, op]);
    }
    named.push(...operationKeys(variableSynonyms), ...operationKeys(assignedParts));
    const checked = named.filter(([prefix]) => model(prefix));
    const unknown = checked.filter(([prefix, op]) => !model(prefix)!.operations[op]);
    console.log(
      `botocore agreement: ${checked.length - unknown.length}/${checked.length} operation names of curated rules and exceptions found`,
    );
    expect(checked.length).toBeGreaterThan(100);
    expect(unknown.map(([p, o]) => `${p}:${o}`)).toEqual([]);
  });

  it("every member an operation's synonym names is in botocore's input shape for it", () => {
    let checked = 0;
    const missing: string[] = [];
    for (const [key, members] of Object.entries(variableSynonyms)) {
      const [prefix, operation] = key.split(":");
      if (key.split(":").length !== 3 || !model(prefix!)) continue;
      const have = inputMembers(model(prefix!)!, operation!);
      for (const member of members) {
        checked++;
        if (!have.has(member.toLowerCase())) missing.push(`${key} ← ${member}`);
      }
    }
    // Service-wide synonyms: some operation of the service has the member.
    for (const [key, members] of Object.entries(variableSynonyms)) {
      const [prefix] = key.split(":");
      if (key.split(":").length !== 2 || !model(prefix!)) continue;
      const m = model(prefix!)!;
      const all = new Set(Object.keys(m.operations).flatMap((op) => [...inputMembers(m, op)]));
      for (const member of members) {
        checked++;
        if (!all.has(member.toLowerCase())) missing.push(`${key} ← ${member}`);
      }
    }
    console.log(
      `botocore agreement: ${checked - missing.length}/${checked} synonym members found in input shapes`,
    );
    expect(checked).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });

  it("botocore's operations map to actions and resources the IAM reference has", async () => {
    const rows: string[] = [];
    let total = 0;
    let known = 0;
    let agree = 0;
    const misfits: string[] = [];
    for (const prefix of CURATED) {
      const m = model(prefix)!;
      let pKnown = 0;
      let pAgree = 0;
      const ops = Object.keys(m.operations);
      for (const operation of ops) {
        const r = await authorizationFor({
          service: prefix,
          operation,
          input: botocoreInput(m, operation),
          region: "us-east-1",
          accountId: "123456789012",
        });
        if (!r.known) continue;
        pKnown++;
        let fits = true;
        for (const q of r.requests) {
          const [p = "", name = ""] = q.action.split(":");
          const info = loadedCatalog(p)?.actions.get(name.toLowerCase());
          const text = q.resourceParts
            ? q.resourceParts.map((x) => (typeof x === "string" ? x : "x")).join("")
            : q.resource;
          const ok =
            info !== undefined &&
            (info.resourceTypes.length === 0
              ? q.resource === "*"
              : q.resource === "*" ||
                info.resourceTypes.some((t) =>
                  t.templates.some((tp) => matchesTemplate(tp, text)),
                ));
          if (!ok) {
            fits = false;
            misfits.push(`${prefix}:${operation} → ${q.action} on ${q.resource}`);
          }
        }
        if (fits) pAgree++;
      }
      total += ops.length;
      known += pKnown;
      agree += pAgree;
      rows.push(`${prefix} ${pAgree}/${pKnown}/${ops.length}`);
    }
    console.log(
      `botocore operations of ${CURATED.length} curated services: ${agree} agree with the IAM reference / ${known} mapped / ${total} in botocore (${rows.join(", ")})` +
        (misfits.length > 0 ? `; disagreements: ${misfits.slice(0, 20).join("; ")}` : ""),
    );
    expect(known / total).toBeGreaterThan(0.9);
    expect(misfits.map((f) => f.slice(0, f.indexOf(" ")))).toEqual(EXPECTED_MISFITS);
  });
});

describe.skipIf(DATA)("botocore service models", () => {
  it("are absent: the differential check is skipped (run the repository bootstrap to install moto)", () => {
    expect(DATA).toBeUndefined();
  });
});
