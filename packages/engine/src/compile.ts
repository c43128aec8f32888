import { classifyKey, serverSideKey } from "./condition-keys.js";
import { type CompiledCondition, compileConditions } from "./condition-operators.js";
import { PolicyLoadError, type PolicyLocation, type PolicyWarning } from "./errors.js";
import {
  type CompiledPattern,
  compilePattern,
  MAX_PATTERN_LENGTH,
  RESERVED_CHARACTERS,
} from "./patterns.js";
import type { MatchedStatement } from "./types.js";

/** A statement in the form `policies/keycard/iam` evaluates. @internal */
export interface CompiledStatement {
  ref: MatchedStatement;
  label: string;
  effect: "Allow" | "Deny";
  action?: CompiledPattern[];
  not_action?: CompiledPattern[];
  resource?: CompiledPattern[];
  not_resource?: CompiledPattern[];
  condition?: CompiledCondition[];
}

/** Statement numbers by exact action, by service prefix, and those that can match anything. @internal */
export interface StatementIndex {
  action: Record<string, number[]>;
  service: Record<string, number[]>;
  any: number[];
}

/** `data.keycard.policy`: what the Rego library reads. @internal */
export interface CompiledPolicyData {
  statements: CompiledStatement[];
  index: { identity: StatementIndex; boundary: StatementIndex };
  has_boundary: boolean;
}

/** A document ready to compile, already parsed. @internal */
export interface SourceDocument {
  name: string;
  document: unknown;
  boundary: boolean;
}

const DOCUMENT_ELEMENTS = new Set(["Version", "Id", "Statement"]);
const STATEMENT_ELEMENTS = new Set([
  "Sid",
  "Effect",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
]);
const ACTION_PATTERN = /^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$/;
const ARN_PATTERN = /^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$/s;

function fail(
  code: ConstructorParameters<typeof PolicyLoadError>[0],
  message: string,
  location: PolicyLocation,
): never {
  throw new PolicyLoadError(code, message, { location });
}

function stringList(value: unknown, element: string, where: PolicyLocation): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0)
    fail("InvalidElement", `${element} must not be empty`, { ...where, element });
  for (const item of list) {
    if (typeof item !== "string" || item.length === 0) {
      fail("InvalidElement", `${element} must be a string or a list of strings`, {
        ...where,
        element,
      });
    }
  }
  return list as string[];
}

function compileActions(value: unknown, element: string, where: PolicyLocation): CompiledPattern[] {
  return stringList(value, element, where).map((action) => {
    if (!ACTION_PATTERN.test(action)) {
      fail("InvalidAction", `"${action}" is not an action (expected service:Action)`, {
        ...where,
        element,
      });
    }
    const compiled = compilePattern(action, "wildcard", { lowerCase: true });
    if (compiled instanceof Error) fail("InvalidAction", compiled.message, { ...where, element });
    return compiled;
  });
}

function compileResources(
  value: unknown,
  element: string,
  where: PolicyLocation,
  options: CompileOptions,
): CompiledPattern[] {
  const { variables, classify } = options;
  return stringList(value, element, where).map((resource) => {
    // WebAssembly regular expressions end at U+0000 and fail on very long patterns; either
    // would let the pattern match more than it says (see MAX_PATTERN_LENGTH).
    if (resource.includes("\u0000"))
      fail("InvalidArn", "a resource pattern must not contain U+0000", { ...where, element });
    if (resource.length > MAX_PATTERN_LENGTH) {
      fail(
        "InvalidArn",
        `a resource pattern is limited to ${MAX_PATTERN_LENGTH} characters (got ${resource.length})`,
        { ...where, element },
      );
    }
    if (RESERVED_CHARACTERS.test(resource)) {
      fail(
        "InvalidArn",
        `"${resource}" contains a character from U+E000 to U+E00F, which keycard reserves for unknown parts of resources`,
        { ...where, element },
      );
    }
    if (resource !== "*" && !ARN_PATTERN.test(resource)) {
      fail(
        "InvalidArn",
        `"${resource}" is not an ARN (arn:partition:service:region:account:resource) or *`,
        {
          ...where,
          element,
        },
      );
    }
    const compiled = compilePattern(resource, "wildcard", { variables, resource: true, classify });
    if (compiled instanceof Error)
      fail("InvalidArn", `"${resource}": ${compiled.message}`, { ...where, element });
    return compiled;
  });
}

/** What compiling a document needs besides the document. */
interface CompileOptions {
  /** Whether `${…}` is a policy variable (documents of Version 2012-10-17). */
  variables: boolean;
  /** Classifies condition keys (see `condition-keys.ts`). */
  classify: (key: string) => string | undefined;
}

/** Checks one statement against the IAM grammar for identity policies and compiles it. */
function compileStatement(
  raw: unknown,
  where: PolicyLocation & { statementIndex: number },
  boundary: boolean,
  options: CompileOptions,
): CompiledStatement {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail("InvalidElement", "a statement must be an object", where);
  }
  const statement = raw as Record<string, unknown>;
  for (const element of Object.keys(statement)) {
    if (element === "Principal" || element === "NotPrincipal") {
      fail("UnknownElement", `${element} is not allowed in identity-based policies`, {
        ...where,
        element,
      });
    }
    if (!STATEMENT_ELEMENTS.has(element))
      fail("UnknownElement", `unknown element "${element}"`, { ...where, element });
  }
  const { Sid, Effect } = statement;
  if (Sid !== undefined && (typeof Sid !== "string" || !/^[A-Za-z0-9 _.-]*$/.test(Sid))) {
    fail("InvalidElement", "Sid must be a string of letters and digits", {
      ...where,
      element: "Sid",
    });
  }
  if (Effect !== "Allow" && Effect !== "Deny") {
    fail("InvalidElement", `Effect must be "Allow" or "Deny" (got ${JSON.stringify(Effect)})`, {
      ...where,
      element: "Effect",
    });
  }
  const hasAction = "Action" in statement;
  if (hasAction === "NotAction" in statement) {
    fail("InvalidElement", "a statement needs exactly one of Action or NotAction", {
      ...where,
      element: "Action",
    });
  }
  const hasResource = "Resource" in statement;
  if (hasResource === "NotResource" in statement) {
    fail("InvalidElement", "a statement needs exactly one of Resource or NotResource", {
      ...where,
      element: "Resource",
    });
  }
  const sid = typeof Sid === "string" && Sid.length > 0 ? Sid : undefined;
  const ref: MatchedStatement = {
    document: where.document,
    statementIndex: where.statementIndex,
    effect: Effect,
    ...(sid ? { sid } : {}),
    ...(boundary ? { boundary: true } : {}),
  };
  const compiled: CompiledStatement = {
    ref,
    label: `${boundary ? "boundary " : ""}${where.document} statement ${where.statementIndex}${sid ? ` (${sid})` : ""}`,
    effect: Effect,
  };
  if (hasAction) compiled.action = compileActions(statement.Action, "Action", where);
  else compiled.not_action = compileActions(statement.NotAction, "NotAction", where);
  if (hasResource)
    compiled.resource = compileResources(statement.Resource, "Resource", where, options);
  else
    compiled.not_resource = compileResources(statement.NotResource, "NotResource", where, options);
  if (statement.Condition !== undefined) {
    const conditions = compileConditions(
      statement.Condition,
      where,
      options.variables,
      options.classify,
    );
    if (conditions.length > 0) compiled.condition = conditions;
  }
  return compiled;
}

/** Parses JSON text, reporting the line and column of a syntax error. @internal */
export function parseDocumentText(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const position = /position (\d+)/.exec(message)?.[1];
    let where = "";
    if (position !== undefined) {
      const before = text.slice(0, Number(position));
      const line = before.split("\n").length;
      where = ` at line ${line}, column ${Number(position) - before.lastIndexOf("\n")}`;
    }
    throw new PolicyLoadError("MalformedDocument", `not valid JSON${where}: ${message}`, {
      location: { document: name },
      cause,
    });
  }
}

/**
 * A document given as an object, read as the JSON it serializes to: what AWS would be sent, and
 * plain data that runs no code of the caller's while it is compiled. A getter, proxy or `toJSON`
 * in the object runs here, once, before the prototypes are checked and anything is compiled.
 * @internal
 */
export function readDocumentObject(name: string, document: object): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(document);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new PolicyLoadError("MalformedDocument", `cannot be read as JSON: ${message}`, {
      location: { document: name },
      cause,
    });
  }
  return text === undefined ? undefined : JSON.parse(text);
}

/** Options for {@link compilePolicyData}. @internal */
export interface PolicyDataOptions {
  /** Condition keys read as absent when the request lacks them, although AWS may know them. */
  assumedAbsent?: (key: string) => boolean;
}

/** Validates one document and returns its statements, compiled. @internal */
export function compileDocument(
  source: SourceDocument,
  options: PolicyDataOptions = {},
): CompiledStatement[] {
  const where = { document: source.name };
  const doc = source.document;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    fail("MalformedDocument", "a policy document must be a JSON object", where);
  }
  const record = doc as Record<string, unknown>;
  for (const element of Object.keys(record)) {
    if (!DOCUMENT_ELEMENTS.has(element))
      fail("UnknownElement", `unknown element "${element}"`, { ...where, element });
  }
  if (
    record.Version !== undefined &&
    record.Version !== "2012-10-17" &&
    record.Version !== "2008-10-17"
  ) {
    fail("InvalidElement", `Version must be "2012-10-17" (got ${JSON.stringify(record.Version)})`, {
      ...where,
      element: "Version",
    });
  }
  if (record.Statement === undefined)
    fail("MalformedDocument", "the document has no Statement", where);
  const statements = Array.isArray(record.Statement) ? record.Statement : [record.Statement];
  // Policy variables exist only in the 2012-10-17 language; a document without a Version
  // is read as 2008-10-17, where `${aws:username}` is literal text.
  const variables = record.Version === "2012-10-17";
  const assumedAbsent = options.assumedAbsent ?? (() => false);
  const classify = (key: string) => classifyKey(key, assumedAbsent);
  return statements.map((statement, statementIndex) =>
    compileStatement(statement, { ...where, statementIndex }, source.boundary, {
      variables,
      classify,
    }),
  );
}

function emptyIndex(): StatementIndex {
  return { action: {}, service: {}, any: [] };
}

function addTo(map: Record<string, number[]>, key: string, value: number): void {
  const list = map[key];
  if (list) {
    if (list[list.length - 1] !== value) list.push(value);
  } else map[key] = [value];
}

/**
 * Files a statement where a request for its actions will look, in exactly one place per
 * action: the Rego side concatenates the buckets, so a statement filed under both
 * `s3:getobject` and `s3` would be reported twice for `s3:GetObject`.
 */
function indexStatement(
  index: StatementIndex,
  statement: CompiledStatement,
  position: number,
): void {
  if (!statement.action) {
    index.any.push(position);
    return;
  }
  const exact: string[] = [];
  const services = new Set<string>();
  for (const pattern of statement.action) {
    if ("any" in pattern) {
      index.any.push(position);
      return;
    }
    if ("s" in pattern) {
      exact.push(pattern.s);
      continue;
    }
    const raw = "re" in pattern ? pattern.re : "p" in pattern ? `^${pattern.p}` : "";
    // `s3:get*` → service "s3"; a wildcard inside the service part could match any service.
    const service = /^\^([a-z0-9-]+):/.exec(raw)?.[1];
    if (!service) {
      index.any.push(position);
      return;
    }
    services.add(service);
  }
  for (const service of services) addTo(index.service, service, position);
  for (const action of exact) {
    if (!services.has(action.slice(0, action.indexOf(":")))) addTo(index.action, action, position);
  }
}

/** Compiles identity and boundary documents into `data.keycard.policy`. @internal */
export function compilePolicyData(
  sources: SourceDocument[],
  options: PolicyDataOptions = {},
): CompiledPolicyData {
  const statements: CompiledStatement[] = [];
  const index = { identity: emptyIndex(), boundary: emptyIndex() };
  let hasBoundary = false;
  for (const source of sources) {
    if (source.boundary) hasBoundary = true;
    for (const statement of compileDocument(source, options)) {
      const position = statements.length;
      statements.push(statement);
      indexStatement(source.boundary ? index.boundary : index.identity, statement, position);
    }
  }
  for (const set of [index.identity, index.boundary]) {
    for (const list of [...Object.values(set.action), ...Object.values(set.service)])
      list.sort((a, b) => a - b);
  }
  return { statements, index, has_boundary: hasBoundary };
}

/**
 * One warning per statement whose conditions or resource variables depend on a key only AWS
 * knows (or that comes from the caller): such a statement is undecided when the request
 * does not carry the key, so a Deny applies and an Allow does not.
 * @internal
 */
export function unknowableKeyWarnings(statements: CompiledStatement[]): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  for (const statement of statements) {
    const keys = new Set<string>();
    for (const condition of statement.condition ?? []) {
      if (condition.u === "s") keys.add(condition.w.key);
    }
    if (keys.size === 0) continue;
    const list = [...keys];
    const why = list.map((key) => `${key} (${serverSideKey(key)?.why ?? "known only to AWS"})`);
    const { ref } = statement;
    warnings.push({
      code: "UnknowableConditionKey",
      message: `${statement.label} depends on ${why.join(", ")}, unknown before the call: ${
        statement.effect === "Deny"
          ? "the Deny applies whenever the request does not carry the key"
          : "the Allow never allows when the request does not carry the key"
      }`,
      location: {
        document: ref.document,
        statementIndex: ref.statementIndex,
        element: "Condition",
      },
      keys: list,
    });
  }
  return warnings;
}
