import {
  compilePolicyData,
  type PolicyDocument,
  PolicyLoadError,
  type PolicyLocation,
  type PolicyWarning,
} from "@keycard/engine";
import { lineAndColumn, lineOfPath } from "./json-position.js";
import { displayPath, type PolicySet, type SetFile } from "./policy-set.js";

/** A problem in a policy set, located at a file, statement and line. @internal */
export interface Problem {
  /** The file as the user sees it, for example `policies/orders/orders.json`. */
  file: string;
  line?: number;
  column?: number;
  statementIndex?: number;
  sid?: string;
  /** The element at fault, for example `Condition.StringEqualz`. */
  element?: string;
  /** The engine's error code, for example `InvalidArn`, or `MalformedDocument` for bad JSON. */
  code: string;
  message: string;
}

/** An IAM document that passed validation, named by its path inside the set. @internal */
export interface ValidDocument {
  name: string;
  document: PolicyDocument;
  boundary: boolean;
}

/** Outcome of validating the IAM JSON of a set. @internal */
export interface Validation {
  documents: ValidDocument[];
  problems: Problem[];
  statementCount: number;
}

function statementsOf(document: unknown): unknown[] {
  const statement = (document as { Statement?: unknown } | null)?.Statement;
  return Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
}

/** The engine's message without the location prefix it adds, which the CLI prints itself. */
function bareMessage(message: string, location: PolicyLocation | undefined): string {
  if (!location) return message;
  const parts = [location.document];
  if (location.statementIndex !== undefined) parts.push(`statement ${location.statementIndex}`);
  if (location.element) parts.push(location.element);
  const prefix = `${parts.join(", ")}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function validateFile(set: PolicySet, file: SetFile, boundary: boolean, out: Validation): void {
  const shown = displayPath(set, file);
  let document: unknown;
  try {
    document = JSON.parse(file.text);
  } catch (error) {
    const offset = /position (\d+)/.exec((error as Error).message)?.[1];
    out.problems.push({
      file: shown,
      code: "MalformedDocument",
      message: `not valid JSON: ${(error as Error).message}`,
      ...(offset !== undefined ? lineAndColumn(file.text, Number(offset)) : {}),
    });
    return;
  }
  try {
    // One document at a time, so every broken document is reported, not only the first.
    compilePolicyData([{ name: file.path, document, boundary }]);
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    const index = error.location?.statementIndex;
    const statement = index === undefined ? undefined : statementsOf(document)[index];
    const sid = (statement as { Sid?: unknown } | undefined)?.Sid;
    const single = !Array.isArray((document as { Statement?: unknown }).Statement);
    const path: Array<string | number> =
      index === undefined ? [] : single ? ["Statement"] : ["Statement", index];
    const element = error.location?.element;
    const elementPath = element ? [...path, ...element.split(".").slice(0, 2)] : path;
    const line = lineOfPath(file.text, elementPath) ?? lineOfPath(file.text, path);
    out.problems.push({
      file: shown,
      code: error.code,
      message: bareMessage(error.message, error.location),
      ...(line !== undefined ? { line } : {}),
      ...(index !== undefined ? { statementIndex: index } : {}),
      ...(typeof sid === "string" && sid ? { sid } : {}),
      ...(element ? { element } : {}),
    });
    return;
  }
  out.documents.push({ name: file.path, document: document as PolicyDocument, boundary });
  out.statementCount += statementsOf(document).length;
}

/**
 * Validates every IAM document of a set through the engine's own compiler, the same
 * checks `loadPolicy` makes, collecting each document's first problem.
 * @internal
 */
export function validateSet(set: PolicySet): Validation {
  const out: Validation = { documents: [], problems: [], statementCount: 0 };
  for (const file of set.documents) validateFile(set, file, false, out);
  for (const file of set.boundaries) validateFile(set, file, true, out);
  return out;
}

/** `file:line: statement 2 (Sid), Action: message` — one line per problem. @internal */
export function formatProblem(problem: Problem): string {
  const where = problem.line !== undefined ? `${problem.file}:${problem.line}` : problem.file;
  const column =
    problem.column !== undefined && problem.statementIndex === undefined
      ? `:${problem.column}`
      : "";
  const parts: string[] = [];
  if (problem.statementIndex !== undefined) {
    parts.push(`statement ${problem.statementIndex}${problem.sid ? ` (${problem.sid})` : ""}`);
  }
  if (problem.element) parts.push(problem.element);
  const location = parts.length > 0 ? ` ${parts.join(", ")}:` : "";
  return `${where}${column}:${location} ${problem.message}`;
}

/** A load warning (an unknown action or service), located like a {@link Problem}. @internal */
export function warningProblem(set: PolicySet, warning: PolicyWarning): Problem {
  const { document, statementIndex, element } = warning.location;
  const file = [...set.documents, ...set.boundaries].find((f) => f.path === document);
  let line: number | undefined;
  let sid: unknown;
  if (file && statementIndex !== undefined) {
    try {
      const parsed = JSON.parse(file.text) as { Statement?: unknown };
      sid = (statementsOf(parsed)[statementIndex] as { Sid?: unknown } | undefined)?.Sid;
      const base = Array.isArray(parsed.Statement) ? ["Statement", statementIndex] : ["Statement"];
      line =
        lineOfPath(file.text, element ? [...base, element] : base) ?? lineOfPath(file.text, base);
    } catch {
      // The document was validated before loading; a line number is only a nicety.
    }
  }
  return {
    file: file ? displayPath(set, file) : document,
    code: warning.code,
    message: bareMessage(warning.message, warning.location),
    ...(line !== undefined ? { line } : {}),
    ...(statementIndex !== undefined ? { statementIndex } : {}),
    ...(typeof sid === "string" && sid ? { sid } : {}),
    ...(element ? { element } : {}),
  };
}
