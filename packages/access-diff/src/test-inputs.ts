import { join } from "node:path";
import type { ContextValue, EvaluationInput, PrincipalInfo } from "@keycard/engine";
import type { PolicySetFiles } from "./policy-set.js";
import { STAGED_SET } from "./stage.js";
import { runTool, type Tools } from "./tools.js";

interface AstTerm {
  type: string;
  value: unknown;
}

/** The constant value of an AST term, or undefined when it is not a constant. */
function constant(term: AstTerm): unknown {
  switch (term.type) {
    case "string":
    case "number":
    case "boolean":
      return term.value;
    case "null":
      return null;
    case "array":
    case "set": {
      const items = (term.value as AstTerm[]).map(constant);
      return items.includes(undefined) ? undefined : items;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of term.value as Array<[AstTerm, AstTerm]>) {
        const key = constant(k);
        const value = constant(v);
        if (typeof key !== "string" || value === undefined) return undefined;
        out[key] = value;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** `with input.request as {...}` sets part of the input: rebuild the whole document. */
function inputFrom(target: AstTerm, value: unknown): unknown {
  const path = target.value as AstTerm[];
  if (!Array.isArray(path) || path[0]?.type !== "var" || path[0].value !== "input")
    return undefined;
  let document = value;
  for (let k = path.length - 1; k >= 1; k--) {
    const key = constant(path[k] as AstTerm);
    if (typeof key !== "string") return undefined;
    document = { [key]: document };
  }
  return document;
}

function collect(node: unknown, out: unknown[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, out);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const record = node as Record<string, unknown>;
  if ("target" in record && "value" in record) {
    const value = constant(record.value as AstTerm);
    if (value !== undefined) {
      const input = inputFrom(record.target as AstTerm, value);
      if (input !== undefined) out.push(input);
    }
    return;
  }
  for (const child of Object.values(record)) collect(child, out);
}

function isContext(value: unknown): value is Record<string, ContextValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Turns a test's input into an evaluation input. Custom rules see one request
 * (`{principal, region, request}`); decision tests send `{principal, region, requests}`.
 * @internal
 */
export function toEvaluationInput(raw: unknown): EvaluationInput | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const input = raw as Record<string, unknown>;
  const candidates = Array.isArray(input.requests)
    ? input.requests
    : input.request !== undefined
      ? [input.request]
      : [input];
  const requests = candidates.flatMap((r) => {
    const req = r as Record<string, unknown> | null;
    if (typeof req?.action !== "string" || !req.action.includes(":")) return [];
    const resource = typeof req.resource === "string" && req.resource ? req.resource : "*";
    return [
      { action: req.action, resource, ...(isContext(req.context) ? { context: req.context } : {}) },
    ];
  });
  if (requests.length === 0) return undefined;
  return {
    ...(typeof input.principal === "object" && input.principal !== null
      ? { principal: input.principal as PrincipalInfo }
      : {}),
    ...(typeof input.region === "string" ? { region: input.region } : {}),
    requests,
  };
}

/**
 * The inputs the set's tests evaluate (`with input as {...}` constants), read with
 * `opa parse` so nothing in the tests is executed.
 * @internal
 */
export async function extractTestInputs(
  tools: Tools,
  set: PolicySetFiles,
  workspaceDir: string,
  scratch: string,
): Promise<EvaluationInput[]> {
  const inputs: EvaluationInput[] = [];
  for (const test of set.tests) {
    const result = await runTool(
      tools.opa,
      ["parse", "--format", "json", join(STAGED_SET, test.path)],
      {
        cwd: workspaceDir,
        timeoutMs: tools.timeoutMs,
        memoryBytes: tools.memoryBytes,
        home: scratch,
      },
    );
    if (result.code !== 0) continue;
    let ast: unknown;
    try {
      ast = JSON.parse(result.stdout);
    } catch {
      continue;
    }
    const raw: unknown[] = [];
    collect(ast, raw);
    for (const value of raw) {
      const input = toEvaluationInput(value);
      if (input) inputs.push(input);
    }
  }
  return inputs;
}
