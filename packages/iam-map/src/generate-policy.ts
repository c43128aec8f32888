import { IamMapError } from "./errors.js";
import { loadCatalog } from "./iam-catalog.js";
import { addedObjectPrototypeMembers, hasOwnMember } from "./object-prototype.js";
import type { AuthorizationRequest } from "./types.js";

/** Options for {@link generatePolicy}. @public */
export interface GeneratePolicyOptions {
  /**
   * `none` (default): every resource exactly as recorded. `resource-names`: resources that share a
   * parent path collapse to `parent/common-prefix/*` (S3 object keys in one bucket, SSM parameters
   * under one path, DynamoDB indexes of one table); flat names such as table names never collapse.
   */
  generalize?: "none" | "resource-names";
  /**
   * Called once per recorded resource that had an unknown part (an IAM path, the key behind an
   * alias), with a line for a reviewer: the policy allows every value there. Such resources also
   * sit in statements whose Sid ends in `UnknownParts`.
   */
  onWarning?: (warning: string) => void;
}

/** One statement of a generated policy. @public */
export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

/**
 * Refuses to go on while `Object.prototype` has members added: records and options are ordinary
 * objects, and a member there would stand in for one they leave out (`generalize`,
 * `resourceParts`), widening the policy written.
 */
function assertPrototypeUnchanged(): void {
  const added = addedObjectPrototypeMembers();
  if (added.length === 0) return;
  throw new IamMapError(
    "PROTOTYPE_CHANGED",
    `cannot generate a policy while Object.prototype has the member ${JSON.stringify(added[0])} (code in the process added it), which could stand in for a record's or an option's`,
  );
}

/** An IAM identity policy document. @public */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/**
 * Learn mode: the least-privilege identity policy that allows exactly the recorded requests.
 * Actions are listed one by one in IAM casing (never `*`); statements group actions of one
 * service that share a resource set, with Sids derived from the service; output is sorted, so the
 * same records always give the same document. Condition context in records is not used.
 * Records that carry `resourceParts` are written exactly: known text matches only itself, and each
 * unknown part becomes `*` in a statement whose Sid ends in `UnknownParts`, with a line to
 * {@link GeneratePolicyOptions.onWarning}.
 * Rejects with an {@link IamMapError} (`INVALID_RECORD`) for an action that is not
 * `prefix:Name` or that holds a wildcard.
 * @example
 * ```ts
 * const policy = await generatePolicy(
 *   [
 *     { action: "s3:GetObject", resource: "arn:aws:s3:::reports/2024/q1.csv" },
 *     { action: "s3:GetObject", resource: "arn:aws:s3:::reports/2024/q2.csv" },
 *   ],
 *   { generalize: "resource-names" },
 * );
 * // { Version: "2012-10-17", Statement: [{ Sid: "S3", Effect: "Allow",
 * //   Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::reports/2024/*"] }] }
 * ```
 * @public
 */
export async function generatePolicy(
  records: Iterable<AuthorizationRequest>,
  options: GeneratePolicyOptions = {},
): Promise<PolicyDocument> {
  const byAction = new Map<string, Set<string>>();
  const unknown = new Set<string>();
  assertPrototypeUnchanged();
  // Read once, as own members, before any of the caller's code (the records' iterator,
  // `onWarning`) runs.
  const generalize = hasOwnMember(options, "generalize") ? options.generalize : undefined;
  const onWarning = hasOwnMember(options, "onWarning") ? options.onWarning : undefined;
  for (const record of records) {
    if (!record || typeof record !== "object") {
      throw new IamMapError(
        "INVALID_RECORD",
        "a record must be an object with action and resource",
      );
    }
    const action = await canonicalAction(record.action);
    // Other code runs during each wait; the records and options are read after it.
    assertPrototypeUnchanged();
    const { resources, unknownParts } = policyResources(record);
    if (unknownParts.length > 0) {
      for (const resource of resources) unknown.add(resource);
      onWarning?.(
        `${action} on ${resources.join(" and ")}: unknown before the call (${unknownParts.join("; ")}); the policy allows any value there`,
      );
    }
    let set = byAction.get(action);
    if (!set) {
      set = new Set();
      byAction.set(action, set);
    }
    for (const resource of resources) set.add(resource);
  }
  // The records' iterator and `onWarning` are the caller's code, and ran since the last check.
  assertPrototypeUnchanged();

  // Actions of one service that need the same resources share a statement.
  const groups = new Map<
    string,
    { prefix: string; resources: string[]; actions: string[]; unknown: boolean }
  >();
  for (const [action, set] of byAction) {
    const known = [...set].filter((r) => !unknown.has(r));
    const partial = [...set].filter((r) => unknown.has(r));
    const prefix = action.slice(0, action.indexOf(":"));
    // Resources with unknown parts get statements of their own, so a reviewer sees them.
    for (const [list, isUnknown] of [
      [known, false],
      [partial, true],
    ] as const) {
      if (list.length === 0) continue;
      const resources = isUnknown
        ? [...list].sort(compare)
        : generalizeResources(list, generalize ?? "none");
      const key = `${prefix}\u0000${isUnknown}\u0000${resources.join("\u0000")}`;
      const group = groups.get(key);
      if (group) group.actions.push(action);
      else groups.set(key, { prefix, resources, actions: [action], unknown: isUnknown });
    }
  }

  const sorted = [...groups.values()]
    .map((g) => ({ ...g, actions: g.actions.sort(compare) }))
    .sort(
      (a, b) =>
        compare(a.prefix, b.prefix) ||
        Number(a.unknown) - Number(b.unknown) ||
        compare(a.actions[0]!, b.actions[0]!) ||
        compare(a.resources[0]!, b.resources[0]!),
    );
  const counts = new Map<string, number>();
  const Statement = sorted.map((g) => {
    const base = `${sidFor(g.prefix)}${g.unknown ? "UnknownParts" : ""}`;
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    return {
      Sid: `${base}${n > 1 ? n : ""}`,
      Effect: "Allow" as const,
      Action: g.actions,
      Resource: g.resources,
    };
  });
  return { Version: "2012-10-17", Statement };
}

/**
 * The policy text for a recorded resource. Known text is written so that it matches only itself
 * (`*`, `?` and `$` become the IAM policy variables `${*}`, `${?}`, `${$}`). An unknown part of
 * known length becomes that many `?` (a secret's suffix is `-??????`, as the Secrets Manager User
 * Guide writes it); an IAM path before a known name becomes two resources, the root path
 * (`user/admin`) and a nested one (`user/x/admin`, with `*` for `x`), so the name stays exact;
 * any other unknown part becomes `*`. A record without `resourceParts` is written as given: it
 * may come from a log written before requests carried their parts, where `*` marked what was
 * unknown, so one holding `*` or `?` is reported as unknown too.
 */
function policyResources(record: AuthorizationRequest): {
  resources: string[];
  unknownParts: string[];
} {
  const parts = Array.isArray(record.resourceParts) ? record.resourceParts : undefined;
  if (!parts) {
    const text =
      typeof record.resource === "string" && record.resource.length > 0 ? record.resource : "*";
    const wildcard = text !== "*" && /[*?]/.test(text);
    return {
      resources: [text],
      unknownParts: wildcard
        ? ["recorded without resourceParts; * or ? may stand for an unknown part"]
        : [],
    };
  }
  let resources = [""];
  const unknownParts: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (typeof part === "string") {
      resources = resources.map((r) => r + literal(part));
      continue;
    }
    const what = String(part?.unknown ?? "unknown");
    const length = part?.length;
    const next = parts[i + 1];
    if (typeof length === "number" && Number.isInteger(length) && length > 0 && length <= 256) {
      resources = resources.map((r) => r + "?".repeat(length));
      unknownParts.push(what.includes(String(length)) ? what : `${what} (${length} characters)`);
    } else if (IAM_PATH.test(what) && typeof next === "string" && !next.startsWith("/")) {
      // IAM User Guide, "IAM identifiers": a path is `/` or `/a/b/`, so the text between the
      // type and the name is empty or ends in `/`.
      resources = resources.flatMap((r) => [r, `${r}*/`]);
      unknownParts.push(what);
    } else {
      resources = resources.map((r) => `${r}*`);
      unknownParts.push(what);
    }
  }
  return { resources, unknownParts };
}

/** The unknown parts that stand for an IAM path (`IAM user path`, `IAM role path`, …). */
const IAM_PATH = /^IAM [a-z ]*path$/;

/** Known text as a policy resource that matches only itself. */
function literal(text: string): string {
  return /[*?$]/.test(text) ? text.replace(/[*?$]/g, (c) => `\${${c}}`) : text;
}

/** `prefix:Name` in IAM casing, as the IAM reference spells it (as given when it is not there). */
async function canonicalAction(action: unknown): Promise<string> {
  if (typeof action !== "string" || !/^[a-z0-9-]+:[A-Za-z0-9]+$/i.test(action)) {
    throw new IamMapError(
      "INVALID_RECORD",
      `not an IAM action without wildcards: ${JSON.stringify(action)?.slice(0, 100)}`,
    );
  }
  const [prefix = "", name = ""] = action.split(":");
  const catalog = await loadCatalog(prefix.toLowerCase());
  const info = catalog?.actions.get(name.toLowerCase());
  return info ? info.id : action;
}

/** Sids are alphanumeric: `secretsmanager` → `Secretsmanager`, `cognito-idp` → `CognitoIdp`. */
function sidFor(prefix: string): string {
  return prefix
    .split(/[^a-z0-9]+/i)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Collapses resources that share a parent path (see {@link GeneratePolicyOptions.generalize}). */
function generalizeResources(resources: string[], mode: "none" | "resource-names"): string[] {
  if (mode === "none" || resources.length < 2) return resources.sort(compare);
  const groups = new Map<string, { s3: boolean; names: string[] }>();
  const out: string[] = [];
  for (const resource of resources) {
    const split = parentPath(resource);
    if (!split) {
      out.push(resource);
      continue;
    }
    const [parent, name, s3] = split;
    const group = groups.get(parent);
    if (group) group.names.push(name);
    else groups.set(parent, { s3, names: [name] });
  }
  for (const [parent, { s3, names }] of groups) {
    if (names.length < 2) out.push(parent + names[0]);
    // Object keys of one bucket collapse to their common folder; other names share a parent path.
    else out.push(`${parent}${s3 ? commonPathPrefix(names) : ""}*`);
  }
  return [...new Set(out)].sort(compare);
}

/**
 * `[parent, name, isS3Object]`: an S3 object's parent is its bucket; another ARN's is the path up
 * to its last `/` when that path is nested (`table/orders/index/`), never a bare type (`table/`).
 */
function parentPath(arn: string): [string, string, boolean] | undefined {
  const object = /^(arn:[^:]+:s3:::[^/]+\/)(.+)$/.exec(arn);
  if (object) return [object[1]!, object[2]!, true];
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const head = `${parts.slice(0, 5).join(":")}:`;
  const resource = arn.slice(head.length);
  const slash = resource.lastIndexOf("/");
  if (slash < 0 || slash === resource.length - 1) return undefined;
  const parent = resource.slice(0, slash + 1);
  if (parent.split("/").length < 3) return undefined;
  return [head + parent, resource.slice(slash + 1), false];
}

/** The longest common prefix of the names that ends at a `/`. */
function commonPathPrefix(names: string[]): string {
  let prefix = names[0]!;
  for (const name of names) {
    let i = 0;
    while (i < prefix.length && i < name.length && prefix[i] === name[i]) i++;
    prefix = prefix.slice(0, i);
  }
  const slash = prefix.lastIndexOf("/");
  return slash < 0 ? "" : prefix.slice(0, slash + 1);
}
