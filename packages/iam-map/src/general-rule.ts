import { type ArnTemplate, matchesTemplate } from "./arn-template.js";
import { assignedParts, memberPrefixes, variableSynonyms } from "./exceptions.js";
import type { ActionInfo } from "./iam-catalog.js";
import { asString, type InputView, isDate } from "./input-view.js";
import { hasOwnMember, ownMember, prototypePollution } from "./object-prototype.js";
import type { ContextValue } from "./types.js";
import { unknownPart } from "./unknown-part.js";

/**
 * Values for ARN template variables that a service rule derived from the input (for example
 * `QueueName` and `Account` from an SQS queue URL). A key present with `undefined` means "cannot be
 * known": the segment becomes `*` and the input is not searched.
 * @internal
 */
export type VariableValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Where a call goes: what fills `${Partition}`, `${Region}` and `${Account}`. @internal */
export interface CallTarget {
  readonly partition: string;
  readonly region: string | undefined;
  readonly account: string | undefined;
  readonly input: InputView;
  /** The operation being mapped, for variables that depend on it (IAM paths on create). */
  readonly operation?: string;
}

const candidateCache = new Map<string, readonly string[]>();

/**
 * Lower-case input member names that may hold a template variable, most specific first:
 * `FunctionName` → functionname, function, functionid, functionidentifier, functionnames, ….
 * Synonyms recorded for the operation or the service come first, then the variable's own forms,
 * then forms named after the resource type (`healthcheck/${Id}` ← `HealthCheckId`) and the
 * service's member prefix (RDS `DBSubnetGroupName` for `SubnetGroupName`).
 * @internal
 */
export function candidates(
  variable: string,
  prefix?: string,
  operation?: string,
  typeName?: string,
): readonly string[] {
  const key = `${prefix ?? ""}\u0000${operation ?? ""}\u0000${typeName ?? ""}\u0000${variable}`;
  let cached = candidateCache.get(key);
  if (cached) return cached;
  // Kept only when made while no prototype has additions: the list is filled one name at a time,
  // and a setter on `Array.prototype` could write another name in place of one.
  const keep = prototypePollution() === undefined;
  const names = [
    ...(operation && prefix
      ? (ownMember(variableSynonyms, `${prefix}:${operation}:${variable}`) ?? [])
      : []),
    ...(prefix ? (ownMember(variableSynonyms, `${prefix}:${variable}`) ?? []) : []),
    ...(ownMember(variableSynonyms, variable) ?? []),
    variable,
  ];
  const base = variable.replace(/(Name|Id|ID|Identifier|Arn|ARN)$/, "");
  // A name never fills an id's place nor an id a name's (`launch-template/${LaunchTemplateId}`
  // is not `LaunchTemplateName`, `key-pair/${KeyPairName}` not `KeyPairId`): AWS builds the ARN
  // from the other, which the request does not say.
  const isName = /Name$/.test(variable);
  const isId = /(Id|ID|Identifier)$/.test(variable);
  if (base.length > 0 && base !== variable) {
    names.push(base);
    if (!isId) names.push(`${base}Name`);
    if (!isName) names.push(`${base}Id`);
    names.push(`${base}Identifier`);
  }
  names.push(`${variable}s`, `${variable}Identifier`);
  if (base.length > 0 && base !== variable) {
    if (!isId) names.push(`${base}Names`);
    if (!isName) names.push(`${base}Ids`);
    names.push(`${base}s`);
  }
  // A bare `Id` or `Name` is the resource type's: `HealthCheckId`, `TrustStoreIdentifier`.
  if (typeName && (variable === "Id" || variable === "Name")) {
    const type = typeName.replace(/[^A-Za-z0-9]/g, "");
    names.push(`${type}${variable}`, `${type}Identifier`, "Identifier");
  }
  for (const memberPrefix of prefix ? (ownMember(memberPrefixes, prefix) ?? []) : []) {
    const stem = variable.replace(/^Db/, "");
    names.push(`${memberPrefix}${stem}`);
    if (base.length > 0 && base !== variable) {
      const baseStem = base.replace(/^Db/, "");
      names.push(`${memberPrefix}${baseStem}Identifier`);
      if (!isId) names.push(`${memberPrefix}${baseStem}Name`);
    }
  }
  cached = Object.freeze([...new Set(names.map((n) => n.toLowerCase()))]);
  // Bounded by the IAM reference: one entry per variable, type and synonym-bearing operation.
  if (keep && candidateCache.size < 50_000) candidateCache.set(key, cached);
  return cached;
}

/**
 * Tags a list entry that is a whole ARN rather than a name: a character reserved for keycard's
 * markers (see `unknown-part.ts`), which no text read from an input holds (`asString` refuses
 * it). An S3 key may hold any other character, `\u0002` included.
 */
const ARN_ENTRY = "\uE00F";

const PATH_LABELS: Readonly<Record<string, string>> = {
  CertificateNameWithPath: "IAM server certificate path",
  UserNameWithPath: "IAM user path",
  RoleNameWithPath: "IAM role path",
  GroupNameWithPath: "IAM group path",
  InstanceProfileNameWithPath: "IAM instance profile path",
  PolicyNameWithPath: "IAM policy path",
};

/** The operation that creates each kind of IAM entity, and takes its `Path`. */
const CREATES: Readonly<Record<string, string>> = {
  CertificateNameWithPath: "UploadServerCertificate",
  UserNameWithPath: "CreateUser",
  RoleNameWithPath: "CreateRole",
  GroupNameWithPath: "CreateGroup",
  InstanceProfileNameWithPath: "CreateInstanceProfile",
  PolicyNameWithPath: "CreatePolicy",
};

/** IAM paths as the IAM API accepts them: `/` or `/a/b/`, printable ASCII. */
const IAM_PATH = /^\/(?:[\x21-\x7e]*\/)?$/;

/*
 * Each ARN template is compiled once per operation into the member names each variable is read
 * from and the marker its unknown part gets, so that a call only reads members and joins text.
 */

/** One part of a compiled template. */
type CompiledPart =
  | { readonly kind: "literal"; readonly text: string }
  | {
      readonly kind: "env";
      readonly variable: "Partition" | "Region" | "Account";
      readonly marker: string;
    }
  | {
      readonly kind: "input";
      readonly variable: string;
      /** Lower-case member names, most specific first. */
      readonly names: readonly string[];
      /** Each of those names and its place in `names`. */
      readonly index: ReadonlyMap<string, number>;
      readonly marker: string;
      /** For IAM `…NameWithPath` variables: the path's marker and the operation that sets it. */
      readonly path: { readonly marker: string; readonly creates: string | undefined } | undefined;
    };

interface CompiledTemplate {
  readonly template: ArnTemplate;
  readonly parts: readonly CompiledPart[];
  /**
   * Lower-case names of the members that may hold the whole ARN: those its variables are read
   * from. Other members are not sent by the SDK, so an ARN in them names nothing.
   */
  readonly arnMembers: readonly string[];
  /**
   * Lower-case names of members that name the resource in a form its ARN is not built from: the
   * name where the ARN holds an id and the other way round. They make the resource unknown.
   */
  readonly otherForms: readonly string[];
}

const compiledTemplates = new WeakMap<ArnTemplate, Map<string, CompiledTemplate>>();

/**
 * The template compiled for one operation of the action's service (cached when `keep`: see
 * {@link compiledFor}). Made of whole lists (`map`, spread): a compiled template serves every
 * later call, and a list filled one `push` at a time would be handed to a setter on
 * `Array.prototype`, with the parts, to keep and change. Not frozen: no code outside this module
 * is ever handed one, and V8 reads frozen lists of parts measurably slower on every call.
 */
function compile(
  template: ArnTemplate,
  typeName: string,
  prefix: string,
  operation: string | undefined,
  keep: boolean,
): CompiledTemplate {
  let byOperation = compiledTemplates.get(template);
  if (!byOperation) {
    byOperation = new Map();
    if (keep) compiledTemplates.set(template, byOperation);
  }
  const key = operation ?? "";
  let compiled = byOperation.get(key);
  if (compiled) return compiled;
  const lastVariable = template.inputVariables[template.inputVariables.length - 1];
  const parts: readonly CompiledPart[] = template.parts.map((part): CompiledPart => {
    if (hasOwnMember(part, "literal"))
      return { kind: "literal", text: (part as { readonly literal: string }).literal };
    const variable = (part as { readonly variable: string }).variable;
    const marker = unknownPart(unknownLabel(variable, prefix, operation));
    if (variable === "Partition" || variable === "Region" || variable === "Account")
      return { kind: "env", variable, marker };
    const last = variable === lastVariable;
    if (variable.endsWith("NameWithPath")) {
      const base = variable.slice(0, -"WithPath".length);
      const names = memberNames(base, prefix, operation, undefined, last);
      return {
        kind: "input",
        variable,
        names,
        index: rankOf(names),
        marker,
        path: {
          marker: unknownPart(ownMember(PATH_LABELS, variable) ?? "IAM path"),
          creates: ownMember(CREATES, variable),
        },
      };
    }
    const names = memberNames(variable, prefix, operation, typeName, last);
    // `path` of its own, absent: a member added to `Object.prototype` is not read as one.
    return { kind: "input", variable, names, index: rankOf(names), marker, path: undefined };
  });
  const arnMembers = new Set<string>();
  for (const part of parts)
    if (part.kind === "input") for (const n of part.names) arnMembers.add(n);
  const otherForms = new Set<string>();
  for (const part of parts) {
    if (part.kind !== "input") continue;
    const base = part.variable.replace(/(Name|Id|ID)$/, "");
    if (base.length === 0 || base === part.variable) continue;
    for (const form of ["Name", "Id", "Names", "Ids"]) {
      const lower = `${base}${form}`.toLowerCase();
      if (!arnMembers.has(lower)) otherForms.add(lower);
    }
  }
  compiled = { template, parts, arnMembers: [...arnMembers], otherForms: [...otherForms] };
  // Bounded by the operations of the service that have a plan.
  if (keep && byOperation.size < 2000) byOperation.set(key, compiled);
  return compiled;
}

/** Each name and its first place in the list. */
function rankOf(names: readonly string[]): ReadonlyMap<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < names.length; i++) if (!index.has(names[i]!)) index.set(names[i]!, i);
  return index;
}

/**
 * Member names for a variable. Many calls name their main resource just `Name` (`CreateTopic`,
 * `DescribeRule`); the main resource is the last variable of an ARN, after its parents.
 */
function memberNames(
  variable: string,
  prefix: string,
  operation: string | undefined,
  typeName: string | undefined,
  last: boolean,
): readonly string[] {
  const own = candidates(variable, prefix, operation, typeName);
  return last && variable.endsWith("Name") && ownResource(variable, operation, typeName)
    ? Object.freeze([...own, "name"])
    : own;
}

/**
 * Whether the operation acts on the variable's resource itself (`CreateTopic` on a topic), so
 * that its bare `Name` names it. Athena CreateNamedQuery's `Name` is the query's, not the
 * `workgroup/${WorkGroupName}` it is created in.
 */
function ownResource(
  variable: string,
  operation: string | undefined,
  typeName: string | undefined,
): boolean {
  if (operation === undefined) return false;
  const op = operation.toLowerCase();
  const base = variable.slice(0, -"Name".length).toLowerCase();
  if (base.length > 0 && op.includes(base)) return true;
  const type = typeName?.replace(/[^A-Za-z0-9]/g, "").toLowerCase();
  return type !== undefined && type.length > 0 && op.includes(type);
}

/**
 * What {@link inputValues} gives when a member that names the resource holds an ARN that did
 * not fit the template whole: the ARN may be another account's, region's or partition's, so
 * those parts are unknown too, not the caller's.
 */
const ARN_WHERE_NAME_BELONGS: readonly string[] = Object.freeze([]);

/** The values of one input variable for this call, or undefined when it cannot be known. */
function inputValues(
  part: Extract<CompiledPart, { kind: "input" }>,
  target: CallTarget,
): readonly string[] | undefined {
  // The members present among the part's names, in the order of the names: the input has a few
  // members and a variable may have a dozen names, so the input is walked.
  const input = target.input;
  const lowers = input.lowerKeys();
  const memberValues = input.memberValues();
  const index = part.index;
  let first = -1;
  let firstRank = 0;
  let more: Array<readonly [rank: number, member: number]> | undefined;
  for (let m = 0; m < lowers.length; m++) {
    const rank = index.get(lowers[m]!);
    if (rank === undefined) continue;
    // Of members whose names differ only in case, the last is read (the call is unknown anyway).
    if (lowers.lastIndexOf(lowers[m]!) !== m) continue;
    const value = memberValues[m];
    if (value === undefined || value === null) continue;
    if (first < 0) {
      first = m;
      firstRank = rank;
    } else {
      more ??= [[firstRank, first]];
      more.push([rank, m]);
    }
  }
  if (first < 0) return undefined;
  let hits: ReadonlyArray<readonly [number, number]>;
  if (more === undefined) hits = [[firstRank, first]];
  else hits = more.sort((a, b) => a[0] - b[0]);
  let found: readonly string[] | undefined;
  for (let h = 0; h < hits.length; h++) {
    const m = hits[h]![1];
    const value = memberValues[m];
    const one = asString(value);
    // An ARN where a name belongs only fits if the whole ARN matches; that is tried separately.
    if (one !== undefined) {
      if (one.startsWith("arn:")) return ARN_WHERE_NAME_BELONGS;
      // The names are guesses at the operation's members: when two of them give different
      // names, which one the SDK sends is not known, so the variable is unknown.
      for (let j = h + 1; j < hits.length; j++) {
        const other = asString(memberValues[hits[j]![1]]);
        if (other !== undefined && other !== one && !other.startsWith("arn:")) return undefined;
      }
      found = [one];
      break;
    }
    const name = part.names[hits[h]![0]]!;
    // Text asString refuses holds marker characters: it could forge an unknown part.
    if (typeof value === "string" && value !== "") {
      input.unreadable(name);
      return undefined;
    }
    // ARN entries of a list are kept, tagged, and placed whole if they fit the template.
    const many = input.strings(value, name)?.map((s) => (s.startsWith("arn:") ? ARN_ENTRY + s : s));
    if (many && many.length > 0) {
      found = many;
      break;
    }
  }
  if (!part.path || found === undefined) return found;
  return withPath(part.path, target, found);
}

/**
 * IAM users, roles, groups, instance profiles and policies: the ARN holds the path before the
 * name (`user/division/admin`; IAM User Guide, "IAM identifiers"). A call that creates one says
 * the path (`Path`, `/` by default); any other call names only the name, so the path is unknown.
 */
function withPath(
  path: { readonly marker: string; readonly creates: string | undefined },
  target: CallTarget,
  names: readonly string[],
): readonly string[] {
  let prefix: string;
  if (target.operation !== undefined && target.operation === path.creates) {
    const given = target.input.get("Path");
    if (given === undefined) prefix = "";
    else if (typeof given === "string" && IAM_PATH.test(given)) prefix = given.slice(1);
    else prefix = unknownPart("IAM path");
  } else {
    prefix = path.marker;
  }
  return prefix === "" ? names : names.map((name) => prefix + name);
}

/** What one template can make of the call, before any text is joined. */
interface Resolved {
  readonly compiled: CompiledTemplate;
  /** Values per part (undefined for literals and unknown variables). */
  readonly values: ReadonlyArray<readonly string[] | undefined>;
  /** Input variables filled from the input or a rule. */
  readonly filled: number;
  /** Input variables left unknown. */
  readonly unknown: number;
  /** The whole ARN came from the input: these ARNs. */
  readonly exact?: readonly string[];
  /** ARN entries of a list member placed whole. */
  readonly placed?: readonly string[];
  /** ARN entries of a list member that do not fit the template. */
  readonly stray?: readonly string[];
  /** Every list entry was a whole ARN: only those are authorized. */
  readonly wholesOnly?: boolean;
}

function resolve(
  compiled: CompiledTemplate,
  target: CallTarget,
  overrides: VariableValues | undefined,
): Resolved {
  const template = compiled.template;
  const named = resolveParts(compiled, target, overrides);
  if (overrides && hasInputOverride(template, overrides)) return named;
  // Most inputs hold no ARN at all: nothing to match.
  if (!target.input.hasArnMember()) return named;
  let matching: string[] | undefined;
  const lowers = target.input.lowerKeys();
  const values = target.input.memberValues();
  const arnMembers = compiled.arnMembers;
  // Members the template's variables are read from, in that order, then members named for an
  // ARN (`TopicArn`, `serviceArn`, `ResourceARN`) as AWS models name them, in input order.
  for (let pass = 0; pass < 2; pass++) {
    const order = pass === 0 ? arnMembers : lowers;
    for (let k = 0; k < order.length; k++) {
      const name = order[k]!;
      if (pass === 1 && (!namesResourceByArn(name) || arnMembers.includes(name))) continue;
      const value = asString(pass === 0 ? target.input.getAnyCase(name) : values[k]);
      if (value === undefined || !value.startsWith("arn:") || !matchesTemplate(template, value))
        continue;
      // A later member of the same lower-case name is the one getAnyCase reads.
      if (pass === 1 && lowers.lastIndexOf(name) !== k) continue;
      if (matching?.includes(value)) continue;
      matching ??= [];
      matching.push(value);
    }
  }
  if (!matching) return named;
  // A call that also names the resource by name (`StreamName` beside `StreamARN`) is checked on
  // both: which one AWS uses is its business, and each must be allowed.
  const exact = named.filled > 0 ? [...new Set([...matching, ...materialize(named)])] : matching;
  const n = template.inputVariables.length;
  return { compiled, values: [], filled: n, unknown: 0, exact };
}

/** A template filled variable by variable from rule overrides, the call's target and the input. */
function resolveParts(
  compiled: CompiledTemplate,
  target: CallTarget,
  overrides: VariableValues | undefined,
): Resolved {
  const template = compiled.template;
  // Filled: a hole would be read from `Array.prototype`, where code may have put an index.
  const values: Array<readonly string[] | undefined> = new Array(compiled.parts.length).fill(
    undefined,
  );
  let filled = 0;
  let unknown = 0;
  let placed: string[] | undefined;
  let stray: string[] | undefined;
  let wholesOnly = false;
  let arnWhereNameBelongs = false;
  for (let i = 0; i < compiled.parts.length; i++) {
    const part = compiled.parts[i]!;
    if (part.kind === "literal") continue;
    let v: readonly string[] | undefined;
    if (overrides && hasOwnMember(overrides, part.variable))
      v = overrideValues(overrides[part.variable]);
    else if (part.kind === "env") {
      const env =
        part.variable === "Partition"
          ? target.partition
          : part.variable === "Region"
            ? target.region
            : target.account;
      v = env === undefined ? undefined : one(env);
    } else {
      v = inputValues(part, target);
      if (v === ARN_WHERE_NAME_BELONGS) {
        arnWhereNameBelongs = true;
        v = undefined;
      }
    }
    if (v !== undefined && hasArnEntry(v)) {
      // SSM `Names`, ECS `tasks`, …: entries given as ARNs are authorized as those ARNs.
      const names: string[] = [];
      for (const x of v) {
        if (!x.startsWith(ARN_ENTRY)) names.push(x);
        else if (matchesTemplate(template, x.slice(1))) {
          placed ??= [];
          placed.push(x.slice(1));
        } else {
          stray ??= [];
          stray.push(x.slice(1));
        }
      }
      if (names.length === 0) wholesOnly = true;
      v = names.length > 0 ? names : [""];
    }
    values[i] = v;
    if (part.kind === "input") {
      if (v === undefined) unknown++;
      else filled++;
    }
  }
  if (arnWhereNameBelongs) {
    for (let i = 0; i < compiled.parts.length; i++) {
      const part = compiled.parts[i]!;
      if (part.kind === "env" && !(overrides && hasOwnMember(overrides, part.variable)))
        values[i] = undefined;
    }
  }
  const out: { -readonly [K in keyof Resolved]: Resolved[K] } = {
    compiled,
    values,
    filled,
    unknown,
  };
  if (placed) out.placed = placed;
  if (stray) out.stray = stray;
  if (wholesOnly) out.wholesOnly = true;
  return out;
}

/**
 * One value as a list, shared while the value repeats (a call's partition, region, account): the
 * last few values only. Written in place, never grown: every entry is the list's own from the
 * start (`Array.from` defines them), so no write meets a setter on `Array.prototype`, which
 * would be handed the list itself.
 */
const ones: Array<readonly [string] | undefined> = Array.from({ length: 8 });
let nextOne = 0;

function one(value: string): readonly string[] {
  for (let i = 0; i < ones.length; i++) {
    const list = ones[i];
    if (list !== undefined && list[0] === value) return list;
  }
  const list = Object.freeze([value] as [string]);
  ones[nextOne] = list;
  nextOne = (nextOne + 1) % ones.length;
  return list;
}

function hasArnEntry(values: readonly string[]): boolean {
  for (let i = 0; i < values.length; i++) if (values[i]!.startsWith(ARN_ENTRY)) return true;
  return false;
}

/** A rule's value for a variable: a key present with `undefined` means "cannot be known". */
function overrideValues(v: string | readonly string[] | undefined): readonly string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string") return [v];
  if (v.length === 0) return undefined;
  // A rule's list may hold whole ARNs (SSM `Names`); they are placed whole, like input lists.
  return v.map((s) => (s.startsWith("arn:") ? ARN_ENTRY + s : s));
}

/** The ARNs a resolved template stands for: list variables fan out, unknown ones are marked. */
function materialize(r: Resolved): string[] {
  if (r.exact) return [...r.exact];
  const single = r.wholesOnly ? undefined : joined(r);
  if (single !== undefined) return r.placed ? [single, ...r.placed] : [single];
  let prefixes = r.wholesOnly ? [] : [""];
  const parts = r.compiled.parts;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind === "literal") {
      const text = part.text;
      prefixes = prefixes.length === 1 ? [prefixes[0] + text] : prefixes.map((p) => p + text);
      continue;
    }
    const values = r.values[i];
    if (values === undefined) {
      const marked = part.marker;
      prefixes = prefixes.map((p) => p + marked);
    } else if (values.length === 1) {
      // List-valued variables fan out (EC2 `InstanceIds`); every entry is authorized. Past
      // MAX_FANOUT combinations the variable is marked unknown rather than dropping entries.
      const v = values[0]!;
      prefixes = prefixes.length === 1 ? [prefixes[0] + v] : prefixes.map((p) => p + v);
    } else if (prefixes.length * values.length <= MAX_FANOUT) {
      prefixes = prefixes.flatMap((p) => values.map((v) => p + v));
    } else {
      const marked = unknownPart(`one of ${values.length} ${part.variable} values`);
      prefixes = prefixes.map((p) => p + marked);
    }
  }
  return r.placed ? [...prefixes, ...r.placed] : prefixes;
}

/** The one ARN a resolved template stands for when no variable has several values (most calls). */
function joined(r: Resolved): string | undefined {
  const parts = r.compiled.parts;
  let text = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind === "literal") {
      text += part.text;
      continue;
    }
    const values = r.values[i];
    if (values === undefined) text += part.marker;
    else if (values.length === 1) text += values[0]!;
    else return undefined;
  }
  return text;
}

/**
 * Tagging calls that name one resource by ARN (`ResourceARN`, `ResourceArn`, `ResourceName`):
 * the Service Authorization Reference lists every taggable type for them, and AWS checks the one
 * the ARN names (for example Kinesis API reference, TagResource: "the ARN of the Kinesis
 * resource to which to add tags"; Athena API reference, TagResource).
 */
const TAGGING_OPERATIONS: ReadonlySet<string> = new Set([
  "TagResource",
  "UntagResource",
  "ListTagsForResource",
  "AddTagsToResource",
  "RemoveTagsFromResource",
]);

const compiledActions = new WeakMap<
  ActionInfo,
  Map<string, ReadonlyArray<readonly CompiledTemplate[]>>
>();

/**
 * Every template of the action's resource types compiled for one operation, found once. Kept
 * only when compiled while no prototype has additions, checked before compiling: what is read
 * while compiling (member names, markers) is made in lists a setter could have written to.
 */
function compiledFor(
  action: ActionInfo,
  operation: string | undefined,
): ReadonlyArray<readonly CompiledTemplate[]> {
  const key = operation ?? "";
  const known = compiledActions.get(action)?.get(key);
  if (known !== undefined) return known;
  const keep = prototypePollution() === undefined;
  // Lists made whole by `map`, and, like compiled templates, not frozen (see `compile`).
  const compiled = action.resourceTypes.map((type) =>
    type.templates.map((template) => compile(template, type.name, action.prefix, operation, keep)),
  );
  if (!keep) return compiled;
  let byOperation = compiledActions.get(action);
  if (byOperation === undefined) {
    byOperation = new Map();
    compiledActions.set(action, byOperation);
  }
  // Bounded by the operations of the service that have a plan.
  if (byOperation.size < 2000) byOperation.set(key, compiled);
  return compiled;
}

/**
 * Members AWS models name the resource of a call by, whatever its type: Lambda and RDS tagging
 * calls' `Resource` / `ResourceName`, EC2 `Resources` (ids), and `…Arn` members.
 */
const RESOURCE_MEMBERS: ReadonlySet<string> = new Set([
  "resource",
  "resources",
  "resourcename",
  "resourceid",
  "resourceids",
  "resourceidentifier",
  "resourcearns",
  // IAM DeleteVirtualMFADevice: the device's ARN.
  "serialnumber",
]);

/** A member that may hold the whole ARN of the resource the call acts on. */
function namesResourceByArn(lower: string): boolean {
  return lower.endsWith("arn") || RESOURCE_MEMBERS.has(lower);
}

/**
 * Members that name something by id, name or ARN (`AssociationId`, `ConnectionNotificationIds`,
 * `PublicIp`, SSM `Target`): when the action has resource types and none could be filled, AWS authorizes the
 * resource behind them, which the request alone does not say.
 */
const NAMING_MEMBER = /(?:id|ids|name|names|arns|identifier|identifiers|publicip|target|targets)$/;

/** The resource of a call that names one in a form that fits none of the action's ARNs. */
const UNNAMED_RESOURCE = unknownPart("the resource the request names");

/**
 * Whether the input names a resource: a member a template variable is read from or that names
 * the resource in the other form (`KeyPairId` for `key-pair/${KeyPairName}`), a member that
 * names a resource by ARN, or any member named for an id, name or ARN. When it does and no ARN could be made, the
 * resource is unknown rather than `*`, so that a Deny on the named resource still applies.
 */
function namesResource(
  compiledTypes: ReadonlyArray<readonly CompiledTemplate[]>,
  input: InputView,
): boolean {
  const lowers = input.lowerKeys();
  const values = input.memberValues();
  for (let m = 0; m < lowers.length; m++) {
    const value = values[m];
    if (value === undefined || value === null) continue;
    const lower = lowers[m]!;
    if (namesResourceByArn(lower) || NAMING_MEMBER.test(lower)) return true;
    if (structureNamesResource(value, 1)) return true;
    for (const templates of compiledTypes)
      for (const compiled of templates)
        if (compiled.arnMembers.includes(lower) || compiled.otherForms.includes(lower)) return true;
  }
  return false;
}

/** How deep into structure members a name, id or ARN is looked for. */
const MAX_NAMING_DEPTH = 3;

/**
 * Whether a structure member holds a member named for an id, name or ARN, at any depth up to
 * {@link MAX_NAMING_DEPTH} (CloudFront `TargetResource.DistributionId`): AWS authorizes the
 * resource it names, which no template here is filled from. Lists, bytes and dates are not
 * structures.
 */
function structureNamesResource(value: unknown, depth: number): boolean {
  if (depth > MAX_NAMING_DEPTH || typeof value !== "object" || value === null) return false;
  if (Array.isArray(value) || ArrayBuffer.isView(value) || isDate(value)) return false;
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    if (inner === undefined || inner === null) continue;
    const lower = key.toLowerCase();
    if (namesResourceByArn(lower) || NAMING_MEMBER.test(lower)) return true;
    if (structureNamesResource(inner, depth + 1)) return true;
  }
  return false;
}

/** Whether the input names a resource of one type only in the form its ARN is not built from. */
function namedInOtherForm(templates: readonly CompiledTemplate[], input: InputView): boolean {
  const lowers = input.lowerKeys();
  const values = input.memberValues();
  for (let m = 0; m < lowers.length; m++) {
    if (values[m] === undefined || values[m] === null) continue;
    for (const compiled of templates) if (compiled.otherForms.includes(lowers[m]!)) return true;
  }
  return false;
}

/** Most combinations one call fans out to before a variable is marked unknown instead. */
const MAX_FANOUT = 100;

/**
 * Words for an unknown ARN variable, as the request's `resourceParts` shows it: what AWS alone
 * knows (`assignedParts`: a stack's id, an EKS UUID) in words, otherwise the variable's name.
 */
function unknownLabel(variable: string, prefix: string, operation: string | undefined): string {
  const described =
    (operation === undefined
      ? undefined
      : ownMember(assignedParts, `${prefix}:${operation}:${variable}`)) ??
    ownMember(assignedParts, `${prefix}:${variable}`);
  if (described !== undefined) return described;
  switch (variable) {
    case "Region":
      return "region";
    case "Account":
      return "account";
    case "Partition":
      return "partition";
    default:
      return variable;
  }
}

/** Names in reasons are clipped so a pathological input cannot make a huge message. */
function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function hasInputOverride(template: ArnTemplate, overrides: VariableValues): boolean {
  const variables = template.inputVariables;
  for (let i = 0; i < variables.length; i++)
    if (hasOwnMember(overrides, variables[i]!)) return true;
  return false;
}

function better(a: Resolved, b: Resolved | undefined): boolean {
  if (!b) return true;
  if ((a.exact !== undefined) !== (b.exact !== undefined)) return a.exact !== undefined;
  if (a.unknown === 0 && b.unknown !== 0 && a.filled > 0) return true;
  if (b.unknown === 0 && a.unknown !== 0 && b.filled > 0) return false;
  return a.filled > b.filled;
}

/**
 * The general rule for resources: fill each of the action's resource types from the call.
 * Required types are always authorized (unknown segments as `*`); optional types only when the
 * request names them fully; when none is fully named, the best partially named one; and `*` for
 * actions without resource types.
 * @internal
 */
export function resourcesFor(
  action: ActionInfo,
  target: CallTarget,
  overrides: VariableValues | undefined,
  problems?: { push(problem: string): unknown },
  typeOf?: Map<string, string | undefined>,
): string[] {
  const types = action.resourceTypes;
  if (types.length === 0) return ["*"];
  const out: string[] = [];
  // Each resource's type, when the caller asks: undefined when no one type is known.
  const add = (resources: readonly string[], type: string | undefined) => {
    for (const resource of resources) {
      out.push(resource);
      if (typeOf === undefined) continue;
      typeOf.set(
        resource,
        typeOf.has(resource) && typeOf.get(resource) !== type ? undefined : type,
      );
    }
  };
  let partial: Resolved | undefined;
  let stray: string[] | undefined;
  let placed: Set<string> | undefined;
  // A tagging call acts on the one resource its ARN names, whichever type that is; the other
  // types the reference lists for the action are not checked (see TAGGING_OPERATIONS).
  const tagging = target.operation !== undefined && TAGGING_OPERATIONS.has(target.operation);
  let deferred: Array<readonly [Resolved, string]> | undefined;
  let partialType: string | undefined;
  let named = false;
  const compiledTypes = compiledFor(action, target.operation);
  for (let t = 0; t < types.length; t++) {
    const type = types[t]!;
    let best: Resolved | undefined;
    const compiledTemplates = compiledTypes[t]!;
    for (let c = 0; c < compiledTemplates.length; c++) {
      const compiled = compiledTemplates[c]!;
      const r = resolve(compiled, target, overrides);
      if (better(r, best)) best = r;
    }
    if (!best) continue;
    if (best.stray) {
      stray ??= [];
      stray.push(...best.stray);
    }
    if (best.placed) {
      placed ??= new Set();
      for (const arn of best.placed) placed.add(arn);
    }
    const complete = best.unknown === 0 && (best.filled > 0 || types.length === 1);
    if (tagging && (type.required || complete)) {
      deferred ??= [];
      deferred.push([best, type.name]);
      if (best.exact) named = true;
    } else if (type.required || complete) add(materialize(best), type.name);
    // Named only in the form its ARN is not built from: checked, with that part unknown.
    else if (namedInOtherForm(compiledTemplates, target.input)) add(materialize(best), type.name);
    else if (best.filled > 0 && better(best, partial)) {
      partial = best;
      partialType = type.name;
    }
  }
  for (const [r, type] of deferred ?? []) {
    // Types the request names nothing of are dropped only when its ARN named another one whole.
    if (!named || r.exact || r.filled > 0) add(materialize(r), type);
  }
  if (out.length === 0) {
    if (partial) add(materialize(partial), partialType);
    // AWS authorizes the resource the request names: `*` only when it names none.
    else add([namesResource(compiledTypes, target.input) ? UNNAMED_RESOURCE : "*"], undefined);
  }
  // An entry that fits none of the action's resource types is never dropped: the call is unknown.
  if (problems && stray) {
    for (const arn of stray) {
      if (placed?.has(arn)) continue;
      problems.push(`${action.id}: the list entry ${clip(arn)} is not an ARN this action takes`);
    }
  }
  return out.length > 1 ? [...new Set(out)] : out;
}

/**
 * Service condition keys whose value is the input member of the same name (`s3:prefix` ←
 * `Prefix`, `dynamodb:Select` ← `Select`). Returns whether the input gave any of the service keys.
 * @internal
 */
export function inputContext(
  action: ActionInfo,
  input: InputView,
  into: Record<string, ContextValue>,
  unknown?: string[],
): boolean {
  // The input has a few members and an action may have dozens of keys: walk the input.
  const byMember = memberIndex(action);
  let hits: Array<readonly [index: number, key: string, raw: unknown]> | undefined;
  if (byMember.size > 0) {
    const lowers = input.lowerKeys();
    const values = input.memberValues();
    for (let i = 0; i < lowers.length; i++) {
      const lower = lowers[i]!;
      const keys = byMember.get(lower);
      if (keys === undefined) continue;
      // As the map of lower-case names reads them: the last member of a name.
      if (lowers.lastIndexOf(lower) !== i) continue;
      const raw = values[i];
      if (raw === undefined || raw === null) continue;
      hits ??= [];
      for (const [index, key] of keys) hits.push([index, key, raw]);
    }
  }
  // In the order of the action's condition keys, as before.
  const wrote = hits !== undefined;
  if (hits !== undefined) {
    if (hits.length > 1) hits.sort((a, b) => a[0] - b[0]);
    for (const [, key, raw] of hits) {
      const value = contextValue(raw);
      if (value !== undefined) into[key] = value;
      // The request carries the member, so AWS has the key, but not in a form the mapping reads.
      else unknown?.push(key);
    }
  }
  return wrote;
}

const memberIndexes = new WeakMap<
  ActionInfo,
  ReadonlyMap<string, ReadonlyArray<readonly [index: number, key: string]>>
>();

/**
 * The action's member keys by lower-case member name, built once per action. Each list is made
 * whole (an action names few members): one filled with `push` would be handed to a setter on
 * `Array.prototype`, to keep and change for every later call of the action. Not frozen, like
 * compiled templates (see `compile`): the lists are read on every call.
 */
function memberIndex(
  action: ActionInfo,
): ReadonlyMap<string, ReadonlyArray<readonly [index: number, key: string]>> {
  let index = memberIndexes.get(action);
  if (!index) {
    const map = new Map<string, ReadonlyArray<readonly [number, string]>>();
    action.memberKeys.forEach(([key, member], i) => {
      const entry = [i, key] as const;
      const list = map.get(member);
      map.set(member, list === undefined ? [entry] : [...list, entry]);
    });
    memberIndexes.set(action, map);
    index = map;
  }
  return index;
}

/** Most entries a list-valued condition key is read with; a longer list makes the key unknown. */
const MAX_CONTEXT_ENTRIES = 1000;

/** A value usable in a condition context, or undefined for objects, streams and the like. @internal */
export function contextValue(value: unknown): ContextValue | undefined {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (isDate(value)) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (Array.isArray(value)) {
    // Every entry is in the key AWS evaluates: a list too long to copy is unknown, never cut.
    if (value.length > MAX_CONTEXT_ENTRIES) return undefined;
    const out: Array<string | number | boolean> = [];
    for (const v of value) {
      if (typeof v === "string" || typeof v === "boolean" || typeof v === "number") out.push(v);
      else return undefined;
    }
    return out;
  }
  return undefined;
}
