import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { passRoleMembers } from "./pass-role.js";

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
}
interface Model {
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

function model(prefix: string): Model | undefined {
  const dir = join(DATA!, DIRECTORY[prefix] ?? prefix);
  if (!existsSync(dir)) return undefined;
  const latest = readdirSync(dir).sort().at(-1)!;
  return JSON.parse(gunzipSync(readFileSync(join(dir, latest, "service-2.json.gz"))).toString());
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

describe.skipIf(DATA)("botocore service models", () => {
  it("are absent: the differential check is skipped (run the repository bootstrap to install moto)", () => {
    expect(DATA).toBeUndefined();
  });
});
