import { join } from "node:path";
import { isAllowedSetPackage, type PolicySetFiles, type SetFile } from "./policy-set.js";
import { STAGED_SET } from "./stage.js";
import { runTool, type Tools } from "./tools.js";
import type { Finding } from "./types.js";

/** What OPA's parser says a Rego file declares. @internal */
export interface ParsedRego {
  /** The package without the leading `data.`, or undefined when it cannot be written as a dotted name. */
  package: string | undefined;
  /** The first segment of every rule head (`deny` for `deny contains ...`, `allow` for `allow.x := ...`). */
  rules: string[];
}

/** Rule names a module may define and still only add denials. @internal */
export const DENY_ONLY_RULES: ReadonlySet<string> = new Set(["deny", "decides_unknown"]);

interface AstTerm {
  type?: string;
  value?: unknown;
}

function packageName(ast: Record<string, unknown>): string | undefined {
  const path = (ast.package as { path?: AstTerm[] } | undefined)?.path;
  if (!Array.isArray(path) || path[0]?.type !== "var" || path[0].value !== "data") return undefined;
  const parts: string[] = [];
  for (const term of path.slice(1)) {
    // A segment such as ["a.b"] or [x] has no dotted spelling: it is never a custom package.
    if (term.type !== "string" || typeof term.value !== "string") return undefined;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(term.value)) return undefined;
    parts.push(term.value);
  }
  return parts.join(".");
}

function ruleNames(ast: Record<string, unknown>): string[] {
  const rules = Array.isArray(ast.rules) ? (ast.rules as Array<Record<string, unknown>>) : [];
  return rules.map((rule) => {
    const head = (rule.head ?? {}) as { name?: unknown; ref?: AstTerm[] };
    const first = Array.isArray(head.ref) ? head.ref[0]?.value : undefined;
    if (typeof first === "string") return first;
    return typeof head.name === "string" ? head.name : "";
  });
}

/**
 * Parses each file with `opa parse` (under the toolkit's time and memory limits) in a
 * workspace where the set is staged, and reads its package and rule names from the parse
 * tree. Text matching cannot be trusted for this: OPA alone decides where a line or a comment
 * ends. A file OPA cannot parse maps to undefined (`opa check` reports why).
 * @internal
 */
export async function parseRego(
  tools: Tools,
  files: ReadonlyArray<SetFile>,
  workspaceDir: string,
): Promise<Map<string, ParsedRego | undefined>> {
  const parsed = new Map<string, ParsedRego | undefined>();
  for (const file of files) {
    const result = await runTool(
      tools.opa,
      ["parse", "--format", "json", join(STAGED_SET, file.path)],
      {
        cwd: workspaceDir,
        timeoutMs: tools.timeoutMs,
        memoryBytes: tools.memoryBytes,
        home: workspaceDir,
      },
    );
    let ast: unknown;
    try {
      ast = result.code === 0 ? JSON.parse(result.stdout) : undefined;
    } catch {
      ast = undefined;
    }
    if (typeof ast !== "object" || ast === null) {
      parsed.set(file.path, undefined);
      continue;
    }
    const record = ast as Record<string, unknown>;
    parsed.set(file.path, { package: packageName(record), rules: ruleNames(record) });
  }
  return parsed;
}

/** True when a package is `keycard.custom.<name>`. */
function isCustomPackage(name: string | undefined): boolean {
  return name !== undefined && /^keycard\.custom\.[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/**
 * Refusals for packages as OPA reads them. A module ships, so it must declare
 * `keycard.custom.<name>` (not a `_test` package, which only test files declare): any other
 * package could add to or replace part of the library the set is built with. Tests never
 * ship; they may use a package of their own (`orders.decision_test`) or
 * `keycard.custom.<name>_test`, but never another `keycard.*` package, which would replace
 * library rules while the tests run.
 * @internal
 */
export function packageFindings(
  set: PolicySetFiles,
  parsed: ReadonlyMap<string, ParsedRego | undefined>,
): Finding[] {
  const findings: Finding[] = [];
  const check = (file: SetFile, test: boolean) => {
    const info = parsed.get(file.path);
    // Unparsable files are reported by opa check; a build refuses them too.
    if (!info) return;
    if (test && info.package !== undefined && isAllowedSetPackage(info.package)) return;
    if (!test && isCustomPackage(info.package) && !info.package?.endsWith("_test")) return;
    findings.push({
      check: "build",
      severity: "error",
      rule: "ReservedPackage",
      message: `declares package ${info.package ?? "(not a dotted name)"} as OPA reads it: a policy set may only add custom rules under keycard.custom.<name>${test ? " (tests: keycard.custom.<name>_test or a package outside keycard)" : ""}`,
      file: file.path,
    });
  };
  for (const file of set.modules) check(file, false);
  for (const file of set.tests) check(file, true);
  return findings;
}
