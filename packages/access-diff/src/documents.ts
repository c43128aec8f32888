import {
  compilePolicyData,
  type PolicyDocument,
  PolicyLoadError,
  type PolicyLocation,
  type PolicyWarning,
} from "@keycard/engine";
import { JsonSyntaxError, type LocatedJson, lineOf, parseLocatedJson } from "./json-locate.js";
import type { PolicySetFiles, SetFile } from "./policy-set.js";
import type { Finding, StatementRef } from "./types.js";

/** One statement of a side, normalised for comparison and matching. @internal */
export interface SideStatement {
  ref: StatementRef;
  boundary: boolean;
  effect: "Allow" | "Deny";
  action: string[] | undefined;
  notAction: string[] | undefined;
  resource: string[] | undefined;
  notResource: string[] | undefined;
  condition: Record<string, Record<string, unknown>> | undefined;
  /** Canonical JSON of what the statement decides (not its Sid or position). */
  canonical: string;
}

/** The IAM documents of one version of a set that the engine accepts, and the problems of the rest. @internal */
export interface SideDocuments {
  iam: Array<{ name: string; document: PolicyDocument }>;
  boundary: Array<{ name: string; document: PolicyDocument }>;
  statements: SideStatement[];
  findings: Finding[];
  located: Map<string, LocatedJson>;
  /** Repository path of each document, by document name. */
  files: Map<string, string>;
}

function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** JSON with sorted keys, so two equal statements compare equal. @internal */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The statement index, Sid and element a located problem names. */
function statementFields(
  document: unknown,
  location: PolicyLocation | undefined,
): Pick<Finding, "statementIndex" | "sid" | "element"> {
  const index = location?.statementIndex;
  const raw = (document as { Statement?: unknown } | null)?.Statement;
  const statement = index === undefined ? undefined : Array.isArray(raw) ? raw[index] : raw;
  const sid = (statement as { Sid?: unknown } | undefined)?.Sid;
  return {
    ...(index !== undefined ? { statementIndex: index } : {}),
    ...(typeof sid === "string" && sid ? { sid } : {}),
    ...(location?.element ? { element: location.element } : {}),
  };
}

/** The path of the element a load error names, for finding its line. */
function elementPath(error: PolicyLoadError): Array<string | number> {
  const location = error.location;
  if (!location) return [];
  const path: Array<string | number> = [];
  if (location.statementIndex !== undefined) path.push("Statement", location.statementIndex);
  if (location.element) {
    const [head, operator, ...key] = location.element.split(".");
    if (head) path.push(head);
    if (operator) path.push(operator);
    if (key.length > 0) path.push(key.join("."));
  }
  return path;
}

function statementLine(located: LocatedJson, index: number, single: boolean): number | undefined {
  return single ? lineOf(located, ["Statement"]) : lineOf(located, ["Statement", index]);
}

/**
 * Parses and validates each document on its own through the engine's compiler, so one bad
 * document neither hides the problems of the others nor stops them from being diffed.
 * @internal
 */
export function readSideDocuments(set: PolicySetFiles, displayDir: string): SideDocuments {
  const side: SideDocuments = {
    iam: [],
    boundary: [],
    statements: [],
    findings: [],
    located: new Map(),
    files: new Map(),
  };
  const groups: Array<[SetFile[], boolean]> = [
    [set.documents, false],
    [set.boundaries, true],
  ];
  for (const [files, boundary] of groups) {
    for (const file of files) {
      const repoPath = displayDir ? `${displayDir}/${file.path}` : file.path;
      side.files.set(file.path, repoPath);
      let located: LocatedJson;
      try {
        located = parseLocatedJson(file.text);
      } catch (error) {
        const position = error instanceof JsonSyntaxError ? error.position : undefined;
        side.findings.push({
          check: "iam",
          severity: "error",
          rule: "MalformedDocument",
          message: `not valid JSON: ${(error as Error).message}`,
          file: repoPath,
          ...(position ? { line: position.line, column: position.column } : {}),
        });
        continue;
      }
      side.located.set(file.path, located);
      try {
        compilePolicyData([{ name: file.path, document: located.value, boundary }]);
      } catch (error) {
        if (!(error instanceof PolicyLoadError)) throw error;
        side.findings.push({
          check: "iam",
          severity: "error",
          rule: error.code,
          message: error.message,
          file: repoPath,
          line: lineOf(located, elementPath(error)) ?? 1,
          ...statementFields(located.value, error.location),
        });
        continue;
      }
      const document = located.value as { Statement: unknown };
      // Document-level elements (Version decides whether `${...}` is a variable or text)
      // change what every statement means, so they are part of each statement's identity:
      // otherwise a changed Version leaves every statement "unchanged" and pruning skips them.
      const { Statement: _statements, ...documentLevel } = located.value as Record<string, unknown>;
      const scope = canonicalJson(documentLevel);
      const single = !Array.isArray(document.Statement);
      const raw = (single ? [document.Statement] : document.Statement) as Array<
        Record<string, unknown>
      >;
      for (const [statementIndex, statement] of raw.entries()) {
        const sid = typeof statement.Sid === "string" && statement.Sid ? statement.Sid : undefined;
        const line = statementLine(located, statementIndex, single);
        const { Sid: _sid, ...decisive } = statement;
        side.statements.push({
          ref: {
            document: file.path,
            file: repoPath,
            statementIndex,
            ...(sid ? { sid } : {}),
            ...(line !== undefined ? { line } : {}),
          },
          boundary,
          effect: statement.Effect as "Allow" | "Deny",
          action: list(statement.Action),
          notAction: list(statement.NotAction),
          resource: list(statement.Resource),
          notResource: list(statement.NotResource),
          condition: statement.Condition as SideStatement["condition"],
          canonical: `${boundary ? "B" : "I"}${scope}${canonicalJson(decisive)}`,
        });
      }
      (boundary ? side.boundary : side.iam).push({
        name: file.path,
        document: located.value as PolicyDocument,
      });
    }
  }
  return side;
}

/** Findings for load warnings (unknown actions and services), at the line of the element. @internal */
export function warningFindings(
  warnings: ReadonlyArray<PolicyWarning>,
  side: SideDocuments,
  severity: "error" | "warning",
): Finding[] {
  return warnings.map((warning) => {
    const located = side.located.get(warning.location.document);
    const path: Array<string | number> = [];
    if (warning.location.statementIndex !== undefined)
      path.push("Statement", warning.location.statementIndex);
    if (warning.location.element) path.push(warning.location.element);
    const line = located ? lineOf(located, path) : undefined;
    const file = side.files.get(warning.location.document) ?? warning.location.document;
    return {
      check: "iam" as const,
      severity,
      rule: warning.code,
      message: warning.message,
      file,
      ...(line !== undefined ? { line } : {}),
      ...(located ? statementFields(located.value, warning.location) : {}),
    };
  });
}
