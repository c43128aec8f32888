import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadPolicySet, type StatementRef } from "@keycard/access-diff";
import {
  type EvaluationInput,
  loadPolicy,
  type MatchedStatement,
  type Policy,
  type PrincipalInfo,
  type RequestDecision,
} from "@keycard/engine";
import { type AuthorizationRequest, authorizationFor } from "@keycard/iam-map";
import { commonOptions, parseVerbArgs, required } from "../args.js";
import { type Command, type Context, plural, printJson, println } from "../command.js";
import { CliError, ExitCode } from "../errors.js";
import { reportFindings } from "../findings.js";
import { findLibrary } from "../library.js";
import { withProgress } from "../progress.js";
import { setPath } from "../set-path.js";
import { type ToolFlags, toolOptions, withTools } from "../tools.js";

const HELP = `Usage: keycard explain --policy <set> --service <service> --operation <operation> [options]

Shows what AWS checks for one SDK call (IAM actions, resources and condition
context) and how the policy decides each check, with the statements that decided it.

Options:
      --policy <path>         a policy-set directory, one IAM JSON document, or a
                              bundle from keycard build (required)
      --service <name>        the service: s3, S3Client, "Secrets Manager", ... (required)
      --operation <name>      the operation: PutObject or PutObjectCommand (required)
      --input <json>          the command input as JSON, or @file to read it from a file
                              (default: {})
      --region <region>       the region the call goes to (default: us-east-1)
      --account <id>          the account that owns the resources (default: from
                              --principal, else 123456789012)
      --principal <arn>       the caller's ARN (aws:PrincipalArn)
      --principal-tag <k=v>   a tag on the caller (aws:PrincipalTag/k); repeatable
      --opa <path>            the OPA CLI, needed when the set has custom Rego
      --json                  print the explanation as JSON
  -h, --help                  show this help

Exit codes: 0 allowed, 1 denied, 2 bad arguments, unknown operation or invalid policy.

Example:
  keycard explain --policy policies/orders --service s3 --operation PutObject \\
    --input '{"Bucket":"orders-documents","Key":"orders/1.json"}'`;

const DEFAULT_ACCOUNT = "123456789012";

async function readInput(value: string | undefined, cwd: string): Promise<unknown> {
  if (value === undefined) return {};
  let text = value;
  let source = "--input";
  if (value.startsWith("@")) {
    source = value.slice(1);
    try {
      text = await readFile(resolve(cwd, source), "utf8");
    } catch (cause) {
      throw new CliError("InputError", `cannot read the input file ${source}`, {
        cause,
        verb: "explain",
      });
    }
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CliError("UsageError", `${source} is not valid JSON: ${(cause as Error).message}`, {
      cause,
      verb: "explain",
    });
  }
}

function parseTags(values: string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const pair of values) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new CliError("UsageError", `--principal-tag must be key=value (got "${pair}")`, {
        verb: "explain",
      });
    }
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}

/** A matched statement with the file and line it is written at, when the set is known. */
interface LocatedStatement extends MatchedStatement {
  file?: string;
  line?: number;
}

function locate(
  refs: ReadonlyArray<StatementRef>,
  matched: ReadonlyArray<MatchedStatement>,
): LocatedStatement[] {
  return matched.map((m) => {
    const ref = refs.find(
      (r) => r.document === m.document && r.statementIndex === m.statementIndex,
    );
    if (!ref) return { ...m };
    return { ...m, file: ref.file, ...(ref.line !== undefined ? { line: ref.line } : {}) };
  });
}

/** A loaded policy, and where its statements are written (none for a prebuilt bundle). */
interface LoadedPolicy {
  policy: Policy;
  refs: StatementRef[];
}

/**
 * Loads what `--policy` names: a bundle from `keycard build`, or a set (directory or single
 * document) through access-diff, which builds a set with custom Rego as `keycard build` and
 * the gate do. Invalid or refused files stop with their findings.
 */
async function loadExplained(
  context: Context,
  path: string,
  tools: ToolFlags,
  json: boolean,
): Promise<LoadedPolicy> {
  if (path.endsWith(".tar.gz")) {
    return {
      policy: await loadPolicy({ bundle: resolve(context.io.cwd, path), cache: false }),
      refs: [],
    };
  }
  const set = await setPath(path, context.io.cwd, "explain");
  const loaded = await withTools(tools, context.io, () =>
    withProgress(context.io, `loading ${set.display}`, () =>
      loadPolicySet({
        path: set.absolute,
        name: set.name,
        library: findLibrary(),
        tools: toolOptions(tools, context.io),
      }),
    ),
  );
  if (!loaded.policy) {
    reportFindings(context, loaded.findings);
    const files = new Set(loaded.findings.map((f) => f.file ?? set.display));
    throw new CliError(
      "InvalidPolicy",
      `${set.display} cannot be loaded: ${plural(files.size, "file")} with errors`,
      { verb: "explain" },
    );
  }
  if (!json) reportFindings(context, loaded.warnings);
  return { policy: loaded.policy, refs: loaded.refs };
}

interface ExplainedRequest {
  action: string;
  resource: string;
  context: Record<string, unknown>;
  allow: boolean;
  reason: string;
  matched: LocatedStatement[];
  /** What keycard could not know before the call and that took part in the decision. */
  unknown: string[];
  /** Allow statements that matched the action and resource but failed this condition. */
  conditionFailures: ReadonlyArray<NonNullable<RequestDecision["conditionFailures"]>[number]>;
  customDenies: string[];
  customAllows: string[];
}

function explainRequest(
  request: AuthorizationRequest,
  decision: RequestDecision | undefined,
  refs: ReadonlyArray<StatementRef>,
): ExplainedRequest {
  return {
    action: request.action,
    resource: request.resource,
    context: { ...(request.context ?? {}) },
    allow: decision?.allow ?? false,
    reason: decision?.reason ?? "no decision",
    matched: locate(refs, decision?.matched ?? []),
    unknown: [...(decision?.unknown ?? [])],
    conditionFailures: [...(decision?.conditionFailures ?? [])],
    customDenies: [...(decision?.customDenies ?? [])],
    customAllows: [...(decision?.customAllows ?? [])],
  };
}

function formatValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function printRequest(context: Context, request: ExplainedRequest): void {
  const { out } = context;
  const verdict = request.allow ? out.green("✓ allowed") : out.red("✗ denied");
  println(context, `  ${out.bold(request.action)}  ${request.resource}`);
  const keys = Object.keys(request.context).sort();
  for (const [i, key] of keys.entries()) {
    const label = i === 0 ? "context " : "        ";
    println(context, `    ${out.dim(label)} ${key} = ${formatValue(request.context[key])}`);
  }
  println(context, `    ${verdict}  ${request.reason}`);
  for (const m of request.matched) {
    const where = m.file
      ? `  ${out.dim(m.line !== undefined ? `${m.file}:${m.line}` : m.file)}`
      : "";
    const name = `${m.boundary ? "boundary " : ""}${m.document} statement ${m.statementIndex}${m.sid ? ` (${m.sid})` : ""}`;
    const effect = m.effect === "Deny" ? out.red(m.effect) : out.green(m.effect);
    println(context, `      ${effect}  ${name}${where}`);
  }
  // A denial on a condition is explained with the condition and the value the call carried:
  // the way forward is to satisfy the condition, never to drop it.
  for (const f of request.conditionFailures) {
    const s = f.statement;
    const name = `${s.boundary ? "boundary " : ""}${s.document} statement ${s.statementIndex}${s.sid ? ` (${s.sid})` : ""}`;
    const seen = f.unknown
      ? "unknown before the call"
      : f.seen === undefined
        ? "the call does not carry the key"
        : `the call has ${formatValue(f.seen)}`;
    println(
      context,
      `      ${out.yellow("condition")}  ${name}: ${f.operator} ${f.key} ${formatValue(f.values)}; ${seen}`,
    );
  }
  if (request.unknown.length > 0)
    println(context, `      ${out.dim("unknown before the call:")} ${request.unknown.join(", ")}`);
  for (const reason of request.customDenies)
    println(context, `      ${out.red("custom deny")}  ${reason}`);
  for (const reason of request.customAllows)
    println(context, `      ${out.green("custom allow")}  ${reason}`);
}

/** The call to explain, read from the flags. */
interface ExplainCall {
  policyPath: string;
  service: string;
  operation: string;
  input: unknown;
  region: string;
  accountId: string;
  principal: PrincipalInfo;
}

/** Stage 1: the call named by the flags, with its caller. */
async function readCall(values: ExplainValues, cwd: string): Promise<ExplainCall> {
  const policyPath = required("explain", values.policy, "--policy");
  const service = required("explain", values.service, "--service");
  const operation = required("explain", values.operation, "--operation");
  const input = await readInput(values.input, cwd);
  const region = values.region ?? "us-east-1";
  const principalArn = values.principal;
  const accountId =
    values.account ??
    /^arn:[^:]+:[^:]+::(\d{12}):/.exec(principalArn ?? "")?.[1] ??
    DEFAULT_ACCOUNT;
  const tags = parseTags(values["principal-tag"]);
  const principal: PrincipalInfo = {
    accountId,
    ...(principalArn ? { arn: principalArn } : {}),
    ...(tags ? { tags } : {}),
  };

  return { policyPath, service, operation, input, region, accountId, principal };
}

interface ExplainValues {
  policy?: string | undefined;
  service?: string | undefined;
  operation?: string | undefined;
  input?: string | undefined;
  region?: string | undefined;
  account?: string | undefined;
  principal?: string | undefined;
  "principal-tag"?: string[] | undefined;
  opa?: string | undefined;
  json?: boolean | undefined;
}

/** Stage 2: what AWS checks for the call. */
async function mapCall(call: ExplainCall) {
  const { service, operation, input, region, accountId, principal } = call;
  const mapped = await authorizationFor({
    service,
    operation,
    input,
    region,
    accountId,
    principal,
  });
  if (!mapped.known) {
    throw new CliError(
      "InputError",
      `cannot map ${service} ${operation}: ${mapped.reason ?? "unknown operation"}`,
      {
        verb: "explain",
      },
    );
  }
  return mapped;
}

/** Stage 3: how the policy decides each check. */
function decide(
  policy: Policy,
  refs: ReadonlyArray<StatementRef>,
  call: ExplainCall,
  mapped: Awaited<ReturnType<typeof mapCall>>,
) {
  const { principal, region } = call;
  const evaluation: EvaluationInput = { principal, region, requests: mapped.requests };
  const decision =
    mapped.requests.length > 0
      ? policy.evaluate(evaluation)
      : { allow: true, requests: [] as RequestDecision[] };
  const requests = mapped.requests.map((r, i) => explainRequest(r, decision.requests[i], refs));
  // Checks AWS makes only in some server-side states are decided one by one: they must not
  // change the verdict on the call, but the reader should see whether they would pass.
  const alsoMayNeed = mapped.alsoMayNeed.map((r) =>
    explainRequest(r, policy.evaluate({ principal, region, requests: [r] }).requests[0], refs),
  );
  const allow = decision.allow;

  return { requests, alsoMayNeed, allow };
}

async function run(args: string[], context: Context): Promise<number> {
  const { values, positionals } = parseVerbArgs("explain", args, {
    ...commonOptions,
    policy: { type: "string" },
    service: { type: "string" },
    operation: { type: "string" },
    input: { type: "string" },
    region: { type: "string" },
    account: { type: "string" },
    principal: { type: "string" },
    "principal-tag": { type: "string", multiple: true },
    opa: { type: "string" },
  });
  if (values.help) {
    println(context, HELP);
    return ExitCode.Ok;
  }
  if (positionals.length > 0) {
    throw new CliError("UsageError", `unexpected argument ${positionals[0]}`, { verb: "explain" });
  }
  const call = await readCall(values, context.io.cwd);
  const mapped = await mapCall(call);
  const { policy, refs } = await loadExplained(
    context,
    call.policyPath,
    values,
    values.json ?? false,
  );
  const decided = decide(policy, refs, call, mapped);
  return printExplanation(context, call, mapped, decided, values.json ?? false);
}

/** Stage 4: the explanation, as text or JSON; the exit code follows the verdict. */
function printExplanation(
  context: Context,
  call: ExplainCall,
  mapped: Awaited<ReturnType<typeof mapCall>>,
  decided: ReturnType<typeof decide>,
  json: boolean,
): number {
  const { requests, alsoMayNeed, allow } = decided;
  const { operation, region, accountId, principal } = call;
  const principalArn = principal.arn;
  if (json) {
    printJson(context, {
      service: mapped.service,
      operation,
      region,
      accountId,
      principal,
      allow,
      requests,
      alsoMayNeed,
      ...(mapped.reason ? { note: mapped.reason } : {}),
    });
    return allow ? ExitCode.Ok : ExitCode.PolicyFail;
  }
  const { out } = context;
  const who = principalArn ? `, principal ${principalArn}` : "";
  println(
    context,
    `${out.bold(`${mapped.service} ${operation}`)} in ${region}, account ${accountId}${who}`,
  );
  if (mapped.reason) println(context, out.dim(mapped.reason));
  println(context);
  println(context, `AWS checks ${plural(requests.length, "authorization")}:`);
  for (const request of requests) printRequest(context, request);
  if (alsoMayNeed.length > 0) {
    println(context);
    println(
      context,
      `May also need, depending on the resource's settings (${plural(alsoMayNeed.length, "check")}):`,
    );
    for (const request of alsoMayNeed) printRequest(context, request);
  }
  println(context);
  const denied = requests.filter((r) => !r.allow).length;
  if (requests.length === 0)
    println(context, `${out.green(out.bold("ALLOWED"))}: AWS makes no IAM check for this call`);
  else if (allow) println(context, `${out.green(out.bold("ALLOWED"))}: every check passes`);
  else
    println(
      context,
      `${out.red(out.bold("DENIED"))}: ${denied} of ${plural(requests.length, "check")} denied`,
    );
  return allow ? ExitCode.Ok : ExitCode.PolicyFail;
}

/** `keycard explain`. @internal */
export const explainCommand: Command = {
  name: "explain",
  summary: "show what AWS checks for one call and how the policy decides it",
  help: HELP,
  run,
};
