/**
 * Prints how many operations of the 30 most used SDK clients map to IAM actions that exist in the
 * IAM reference, on resources of the action's resource types (or `*` for actions without any).
 *
 * Operations are the client package's exported `*Command` classes; each is mapped with an input
 * whose required members hold placeholder values, as an application would send them.
 *
 * It also measures fidelity: how many operations leave a resource part unknown although the
 * input names the resource, which operations pass a role (`iam:PassRole`), and which have a
 * curated rule. `-- --write` writes the report to FIDELITY.md.
 *
 * Run: `npm run coverage -w @keycard/iam-map` (`-- --markdown` for the README table only).
 */
import { writeFileSync } from "node:fs";
import {
  iamActionDetails,
  iamActionExists,
  iamResourceTypeDetails,
  iamResourceTypesForService,
} from "@keycard/iam-reference";
import { type ArnTemplate, matchesTemplate, parseArnTemplates } from "../src/arn-template.js";
import { operationActionExceptions } from "../src/exceptions.js";
import { candidates } from "../src/general-rule.js";
import { type AuthorizationResult, authorizationFor } from "../src/index.js";
import { passRolePlan } from "../src/pass-role.js";
import { serviceRules } from "../src/rules.js";

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
      if (Array.isArray(resolved) && resolved[0] === 1) {
        // A list of strings gets one entry, as a caller naming one resource sends it.
        const member = Array.isArray(resolved[4]) ? resolved[4][0] : resolved[4];
        return member === 0 ? [`example-${name.toLowerCase()}`] : [];
      }
      if (Array.isArray(resolved) && resolved[0] === 2) return {};
    } catch {
      // Fall through to an empty structure.
    }
  }
  return {};
}

/** An operation's input structure: member names and schemas, the first `required` of them required. */
interface InputShape {
  names: string[];
  schemas: MemberSchema[];
  required: number;
}

function inputShape(module: Record<string, unknown>, operation: string): InputShape | undefined {
  const op = module[`${operation}$`];
  if (!Array.isArray(op) || typeof op[4] !== "function") return undefined;
  const input = (op[4] as () => unknown)();
  if (!Array.isArray(input)) return undefined;
  return {
    names: (input[4] as string[] | undefined) ?? [],
    schemas: (input[5] as MemberSchema[] | undefined) ?? [],
    required: typeof input[6] === "number" ? input[6] : 0,
  };
}

/** An input with every required member of the operation's input structure filled. */
function sampleInput(shape: InputShape | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; shape && i < shape.required; i++) {
    out[shape.names[i]!] = placeholder(shape.names[i]!, shape.schemas[i]);
  }
  // A queue URL is a URL, as every caller sends it.
  if (typeof out["QueueUrl"] === "string") {
    out["QueueUrl"] = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/example-queue`;
  }
  return out;
}

/** A member schema with its thunk and traits unwrapped. */
function resolve(schema: unknown): unknown {
  let s = Array.isArray(schema) && typeof schema[0] === "function" ? schema[0] : schema;
  if (typeof s === "function") {
    try {
      s = (s as () => unknown)();
    } catch {
      return undefined;
    }
  }
  return s;
}

/** Lower-case names of the input's members at any depth (a few levels), to tell whether it can name a resource. */
function memberNames(shape: InputShape | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (schema: unknown, depth: number) => {
    if (depth > 5) return;
    let s = schema;
    if (typeof s === "function") {
      try {
        s = (s as () => unknown)();
      } catch {
        return;
      }
    }
    if (!Array.isArray(s)) return;
    if (s[0] === 3 && Array.isArray(s[4])) {
      const names = s[4] as string[];
      const schemas = (s[5] as unknown[]) ?? [];
      names.forEach((n, i) => {
        out.add(n.toLowerCase());
        walk(schemas[i], depth + 1);
      });
    } else if (s[0] === 1 || s[0] === 2) walk(s[4], depth + 1);
  };
  if (shape) {
    shape.names.forEach((n, i) => {
      out.add(n.toLowerCase());
      walk(shape.schemas[i], 1);
    });
  }
  return out;
}

/** The variable a reason names, without the IAM path suffix (`UserNameWithPath` → `UserName`). */
const bareVariable = (reason: string) =>
  reason.endsWith("WithPath") ? reason.slice(0, -"WithPath".length) : reason;

/** `StreamName` → `stream`: what a member naming the resource in another way would contain. */
const variableBase = (variable: string) =>
  variable.replace(/(Name|Id|ID|Identifier|Arn|ARN)$/, "").toLowerCase();

/** Variables too generic to say, from member names alone, whether the request names them. */
const GENERIC = new Set([
  "",
  "id",
  "name",
  "resource",
  "resourceid",
  "resourcename",
  "resourcetype",
  "type",
  "version",
  "alias",
  "uuid",
]);

/**
 * Optional members that name a resource the first mapping left unknown: an application that
 * names the resource sets them (Kinesis `StreamName` or `StreamARN`, IAM `UserName`), so the
 * sample does too. Returns the number of members filled.
 */
async function fillOptional(
  shape: InputShape | undefined,
  input: Record<string, unknown>,
  prefix: string,
  operation: string,
  variables: readonly string[],
): Promise<number> {
  if (!shape) return 0;
  let filled = 0;
  for (const reason of variables) {
    const variable = bareVariable(reason);
    const ranked = candidates(variable, prefix, operation);
    const names = new Set(ranked);
    // One member, the most specific: a caller names a stream by `StreamName`, not also by the
    // `StreamId` the same variable's looser forms match.
    let best = -1;
    for (let i = shape.required; i < shape.names.length; i++) {
      const name = shape.names[i]!;
      const rank = ranked.indexOf(name.toLowerCase());
      if (input[name] !== undefined || rank < 0) continue;
      if (best < 0 || rank < ranked.indexOf(shape.names[best]!.toLowerCase())) best = i;
    }
    let found = best >= 0;
    if (found) {
      input[shape.names[best]!] = placeholder(shape.names[best]!, shape.schemas[best]);
      filled++;
    }
    // A member of a structure member (Glue `SchemaId.SchemaName`, `TableInput.Name`).
    for (let i = 0; i < shape.names.length && !found; i++) {
      const struct = resolve(shape.schemas[i]);
      if (!Array.isArray(struct) || struct[0] !== 3 || !Array.isArray(struct[4])) continue;
      const inner = struct[4] as string[];
      const want = [...names, variableBase(variable) ? "name" : ""];
      const at = inner.findIndex((n) => want.includes(n.toLowerCase()) && n.length > 0);
      if (at < 0) continue;
      const outer = shape.names[i]!;
      const current = input[outer];
      const target = typeof current === "object" && current !== null ? current : {};
      input[outer] = { ...target, [inner[at]!]: `example-${inner[at]!.toLowerCase()}` };
      filled++;
      found = true;
    }
    if (found) continue;
    const base = variableBase(variable);
    for (let i = shape.required; i < shape.names.length && base; i++) {
      const name = shape.names[i]!;
      const lower = name.toLowerCase();
      if (input[name] !== undefined || lower !== `${base}arn`) continue;
      const arn = await exampleArnOf(prefix, variable);
      if (arn) {
        input[name] = arn;
        filled++;
      }
    }
  }
  return filled;
}

/** An example ARN of the service's resource type named like the member (`serviceDeployment` → `service-deployment`). */
async function exampleArnOfType(prefix: string, member: string): Promise<string | undefined> {
  const want = member.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (!prefix || !want) return undefined;
  for (const type of await iamResourceTypesForService(prefix)) {
    if (type.toLowerCase().replace(/[^a-z0-9]/g, "") !== want) continue;
    const rt = await iamResourceTypeDetails(prefix, type);
    const template = parseArnTemplates(rt.arn)[0];
    if (template) return exampleOf(template.raw);
  }
  return undefined;
}

/** An example ARN of the service's resource type whose ARN ends in the variable. */
async function exampleArnOf(prefix: string, variable: string): Promise<string | undefined> {
  for (const type of await iamResourceTypesForService(prefix)) {
    const rt = await iamResourceTypeDetails(prefix, type);
    for (const template of parseArnTemplates(rt.arn)) {
      if (template.inputVariables.at(-1) === variable) return exampleOf(template.raw);
    }
  }
  return undefined;
}

function exampleOf(raw: string): string {
  return raw.replace(/\$\{([^}]+)\}/g, (_, v: string) =>
    v === "Partition"
      ? "aws"
      : v === "Region"
        ? REGION
        : v === "Account"
          ? ACCOUNT
          : `example-${v.toLowerCase()}`,
  );
}

const templateCache = new Map<string, ArnTemplate[]>();

/** An example ARN of the action's first resource type, for members that take an ARN. */
async function exampleArn(action: string): Promise<string | undefined> {
  const [prefix = "", name = ""] = action.split(":");
  const details = await iamActionDetails(prefix, name);
  const type = details.resourceTypes[0];
  if (!type) return undefined;
  const rt = await iamResourceTypeDetails(prefix, type.name);
  const template = parseArnTemplates(rt.arn)[0];
  if (!template) return undefined;
  return exampleOf(template.raw);
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
      patterns = parseArnTemplates(rt.arn);
      templateCache.set(key, patterns);
    }
    if (patterns.some((template) => matchesTemplate(template, resource))) return true;
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
  /** Operations with a request whose resource has an unknown part, with the parts' reasons. */
  unknownParts: Array<[operation: string, reasons: string[]]>;
  passRole: number;
  curated: number;
  /** Requests with `*` inside a resource but no `resourceParts` (must be 0: `*` is never a placeholder). */
  bareStars: string[];
  /** Operations whose unknown parts are not all server-side, with the parts the input names. */
  named: Array<[operation: string, reasons: string[]]>;
  /** Unknown parts that no member of the input can name: AWS looks them up from what it does name. */
  notInRequest: Array<[operation: string, reason: string]>;
}

/** Calls that create the resource: its id or ARN suffix is assigned by AWS. */
const CREATES =
  /^(Create|Allocate|Run|Register|Import|Copy|Request|Purchase|Provision|Start|Restore)/;

/**
 * True when AWS alone knows the part: a rule's description (an IAM path, a secret's suffix, the
 * key behind an alias; these contain a space), or the id of a resource the call creates.
 */
function serverSide(operation: string, reason: string): boolean {
  if (reason.includes(" ")) return true;
  return CREATES.test(operation) && /(Id|UUID|Timpstamp|Timestamp)$/.test(reason);
}

/** True when a curated rule (not only the general rule) shapes the operation's mapping. */
function curated(prefix: string, operation: string, sdkId: string): boolean {
  const rules = serviceRules[prefix];
  if (rules?.operations && Object.hasOwn(rules.operations, operation)) return true;
  if (rules?.operation?.(operation, sdkId, true)) return true;
  if (rules?.variables) return true;
  const renamed = operationActionExceptions[prefix];
  if (renamed && Object.hasOwn(renamed, operation)) return true;
  return passRolePlan(prefix, operation) !== undefined;
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
    unknownParts: [],
    passRole: 0,
    curated: 0,
    bareStars: [],
    named: [],
    notInRequest: [],
  };
  for (const command of commands) {
    const operation = command.slice(0, -"Command".length);
    const shape = inputShape(module, operation);
    const input = sampleInput(shape);
    const args = { service: client, operation: command, input, region: REGION, accountId: ACCOUNT };
    let result = await authorizationFor(args);
    // Members that take an ARN get one of the kind the action authorizes, as a real caller sends.
    const arnMembers = Object.keys(input).filter((k) => /arn$/i.test(k) || k === "ResourceName");
    const first = result.requests[0];
    if (arnMembers.length > 0 && first) {
      const arn = await exampleArn(first.action);
      for (const k of arnMembers) {
        // A role member takes a role ARN, and `ServiceDeploymentArn` one of a service deployment,
        // whatever the action's own resource type is.
        const named = await exampleArnOfType(result.service, k.replace(/arn$/i, ""));
        input[k] = /role/i.test(k) ? `arn:aws:iam::${ACCOUNT}:role/example-role` : (named ?? arn);
      }
      result = await authorizationFor(args);
    }
    // Optional members that name what is still unknown (Kinesis `StreamName` or `StreamARN`).
    const variables = unknownReasons(result).filter((r) => !r.includes(" "));
    if (
      variables.length > 0 &&
      (await fillOptional(shape, input, result.service, operation, variables)) > 0
    ) {
      result = await authorizationFor(args);
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
    for (const request of result.requests) {
      if (!request.resourceParts && request.resource !== "*" && request.resource.includes("*")) {
        row.bareStars.push(`${operation}: ${request.action} on ${request.resource}`);
      }
    }
    const reasons = unknownReasons(result);
    if (reasons.length > 0) {
      row.unknownParts.push([operation, reasons]);
      const members = memberNames(shape);
      const reviewed = NAMED_IN_LISTS.has(`${result.service}:${operation}`);
      const missed = reasons.filter(
        (r) => !serverSide(operation, r) && (reviewed || !notInRequest(r, members)),
      );
      if (missed.length > 0) row.named.push([operation, missed]);
      else {
        for (const r of reasons) {
          if (!serverSide(operation, r)) row.notInRequest.push([operation, r]);
        }
      }
    }
    if (result.requests.some((q) => q.action === "iam:PassRole")) row.passRole++;
    else if (result.service && passRolePlan(result.service, operation)) row.passRole++;
    if (result.service && curated(result.service, operation, label)) row.curated++;
  }
  return row;
}

/** The unknown parts of the call's requests, by what the mapping says was unknown. */
function unknownReasons(result: AuthorizationResult): string[] {
  const reasons = new Set<string>();
  for (const request of result.requests) {
    for (const part of request.resourceParts ?? []) {
      if (typeof part !== "string") for (const r of part.unknown.split(", ")) reasons.add(r);
    }
  }
  return [...reasons];
}

const COPY =
  "a copy names a source and a target; which of them AWS checks with the action is not mapped yet";
const LIST_OF_STRUCTURES =
  "named inside a list of structures, which the general rule does not read";
const SAMPLE_LIST = "the sample's list entries are not ARNs; ARN entries are mapped";

/** Why a named resource is still unknown, for the report (reviewed by hand). */
const WHY_NAMED: Readonly<Record<string, string>> = {
  "DynamoDB CreateGlobalTable":
    "replica tables in other Regions (ReplicationGroup) are not mapped yet",
  "DynamoDB UpdateGlobalTable":
    "replica tables in other Regions (ReplicaUpdates) are not mapped yet",
  "DynamoDB UpdateGlobalTableSettings": "replica tables in other Regions are not mapped yet",
  "DynamoDB ImportTable": "the new table is TableCreationParameters.TableName, not mapped yet",
  "DynamoDB RestoreTableToPointInTime":
    "source and target tables; which AWS checks is not mapped yet",
  "DynamoDB TransactGetItems": "the sample sends no items; the curated rule maps each item's table",
  "DynamoDB TransactWriteItems":
    "the sample sends no items; the curated rule maps each item's table",
  "SSM CreateAssociationBatch": LIST_OF_STRUCTURES,
  "EC2 ModifyInstanceCreditSpecification": LIST_OF_STRUCTURES,
  "EC2 ModifySecurityGroupRules": LIST_OF_STRUCTURES,
  "EC2 ModifyIpamResourceCidr":
    "current and destination scopes; which AWS checks is not mapped yet",
  "EC2 MoveCapacityReservationInstances": "source and destination reservations; not mapped yet",
  "Step Functions DescribeExecution": "the execution ARN may be a standard or an express execution",
  "ECS CreateDaemon": "the cluster is named by its ARN in a member the rule does not read yet",
  "ECS DeleteAttributes": LIST_OF_STRUCTURES,
  "ECS PutAttributes": LIST_OF_STRUCTURES,
  "ECS DeleteTaskDefinitions": "a list of family:revision entries, not mapped yet",
  "ECS DeleteDaemonTaskDefinition": "the daemon task definition ARN is not mapped yet",
  "ECS DescribeDaemonTaskDefinition": "the daemon task definition ARN is not mapped yet",
  "ECS DescribeDaemonDeployments": SAMPLE_LIST,
  "ECS DescribeDaemonRevisions": SAMPLE_LIST,
  "ECS DescribeServiceDeployments": SAMPLE_LIST,
  "ECS DescribeServiceRevisions": SAMPLE_LIST,
  "EKS DescribeIdentityProviderConfig":
    "identityProviderConfig is a structure of type and name, not mapped yet",
  "EKS DisassociateIdentityProviderConfig":
    "identityProviderConfig is a structure of type and name, not mapped yet",
  "CloudFormation CreateStackRefactor": "the stacks a refactor moves are not mapped yet",
  "CloudFormation DescribeStackRefactor":
    "the stacks of a refactor id are known to AWS; not mapped yet",
  "CloudFormation ExecuteStackRefactor":
    "the stacks of a refactor id are known to AWS; not mapped yet",
  "CloudFormation ListStackRefactorActions":
    "the stacks of a refactor id are known to AWS; not mapped yet",
  "SES CreateConfigurationSet": "the name is ConfigurationSet.Name, not mapped yet",
  "Athena PutCapacityAssignmentConfiguration": LIST_OF_STRUCTURES,
  "Glue BatchGetTableOptimizer": LIST_OF_STRUCTURES,
  "Glue CreateSchema":
    "without RegistryId the default registry is used, which the rule does not name",
  "Glue GetConnections": "a filtered list; not mapped yet",
  "Glue GetMLTransforms": "a filtered list; not mapped yet",
  "Glue ListMLTransforms": "a filtered list; not mapped yet",
  "Glue ListDataQualityRulesetEvaluationRuns": "the filter names the ruleset inside a structure",
  "Glue StartDataQualityRuleRecommendationRun": "the ruleset is created by the run; not mapped yet",
  "Glue CreateIntegrationResourceProperty":
    "the resource is named by an ARN of several kinds; not mapped yet",
  "Glue DeleteIntegrationResourceProperty":
    "the resource is named by an ARN of several kinds; not mapped yet",
  "Glue GetIntegrationResourceProperty":
    "the resource is named by an ARN of several kinds; not mapped yet",
  "Glue ListIntegrationResourceProperties":
    "the resource is named by an ARN of several kinds; not mapped yet",
  "Glue UpdateIntegrationResourceProperty":
    "the resource is named by an ARN of several kinds; not mapped yet",
  "RDS CopyDBClusterParameterGroup": COPY,
  "RDS CopyDBClusterSnapshot": COPY,
  "RDS CopyDBParameterGroup": COPY,
  "RDS CopyDBSnapshot": COPY,
  "RDS CopyOptionGroup": COPY,
  "ElastiCache CopyServerlessCacheSnapshot": COPY,
  "ElastiCache CopySnapshot": COPY,
  "RDS DeleteDBInstanceAutomatedBackup":
    "DbiResourceId names the instance's resource id, not the backup's",
  "RDS DeregisterDBProxyTargets": "instances are named in a list, not mapped yet",
  "RDS RestoreDBInstanceToPointInTime":
    "the source instance (SourceDBInstanceIdentifier) is not mapped yet",
  "RDS StartDBInstanceAutomatedBackupsReplication":
    "the source instance is named by ARN in a member not mapped yet",
  "ElastiCache ModifyUserGroup":
    "UserIdsToAdd and UserIdsToRemove both name users; mapping one would drop the other",
  "Route 53 ChangeTagsForResource":
    "ResourceType chooses health check or hosted zone; not mapped yet",
};

/**
 * Operations whose input names the resource under a name the member-name test cannot see (entries
 * of a list of structures), found by review: counted as named but unknown.
 */
const NAMED_IN_LISTS = new Set([
  "ecs:DeleteTaskDefinitions",
  "ecs:DeleteDaemonTaskDefinition",
  "ecs:DescribeDaemonTaskDefinition",
  "ecs:DeleteAttributes",
  "ecs:PutAttributes",
  "ssm:CreateAssociationBatch",
]);

/**
 * True when no member of the input, at any depth, can name the variable: the request identifies
 * the resource by something else (an Athena query execution id names no workgroup), and AWS
 * looks the rest up. Generic variables (`Id`, `Name`, `ResourceType`) are never judged this way:
 * the mapping has to describe them.
 */
function notInRequest(reason: string, members: ReadonlySet<string>): boolean {
  const variable = bareVariable(reason);
  const base = variableBase(variable);
  if (GENERIC.has(base) || GENERIC.has(variable.toLowerCase())) return false;
  for (const name of candidates(variable)) if (members.has(name)) return false;
  for (const member of members) if (member.includes(base)) return false;
  return true;
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

const unknownOps = rows.reduce((n, r) => n + r.unknownParts.length, 0);
const passRole = rows.reduce((n, r) => n + r.passRole, 0);
const curatedOps = rows.reduce((n, r) => n + r.curated, 0);
const namedOps = rows.reduce((n, r) => n + r.named.length, 0);
const notNamedOps = (r: Row) => new Set(r.notInRequest.map(([op]) => op)).size;
const notNamed = rows.reduce((n, r) => n + notNamedOps(r), 0);
const bareStars = rows.flatMap((r) => r.bareStars.map((b) => `${r.label} ${b}`));
/** Markdown-safe text: the report is rendered, so names never carry markup. */
const md = (text: string) => text.replace(/[\\`*_|<>[\]]/g, (c) => `\\${c}`);
const report = [
  "# iam-map fidelity",
  "",
  "Generated by `npm run coverage -w @keycard/iam-map -- --write` (scripts/coverage.ts); do not edit by hand.",
  "",
  "Each operation of the 30 SDK clients is mapped with an input that fills every required member, as an",
  "application sends it, and, where that leaves a resource part unknown, the optional members that name it",
  "(Kinesis `StreamName` or `StreamARN`, IAM `UserName`): a caller that names the resource sets one of them.",
  "Members that take an ARN get an ARN of the resource type they name. *Unknown part* counts operations with",
  "at least one request whose resource has a part that cannot be known before the call (marked in",
  "`resourceParts`); *PassRole* counts operations that pass a role; *Curated* counts operations shaped by a",
  "rule beyond the general rule (a service-wide rule, such as reading SQS queue URLs, counts for every",
  "operation of its service).",
  "",
  "An unknown part is *server-side* when the mapping says what only AWS knows (an IAM path, a secret's random",
  "suffix, the key behind an alias, an id AWS assigns, the id of a resource the call creates), and *not in",
  "the request* when no member of the operation's input, at any depth, can name it (an Athena query",
  "execution id names no workgroup; AWS looks it up). *Named but unknown* are the rest: the input names the",
  "resource and the mapping still missed a part. That is the figure the target applies to.",
  "",
  "| Service | IAM prefix | Operations | Mapped | Unknown part | Server-side | Not in the request | Named but unknown | Share | PassRole | Curated |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.label} | \`${r.prefix}\` | ${r.total} | ${r.mapped} | ${r.unknownParts.length} | ${r.unknownParts.length - r.named.length - notNamedOps(r)} | ${notNamedOps(r)} | ${r.named.length} | ${pct(r.named.length, r.total)} % | ${r.passRole} | ${r.curated} |`,
  ),
  `| **All** | | **${total}** | **${mapped}** | **${unknownOps}** | **${unknownOps - namedOps - notNamed}** | **${notNamed}** | **${namedOps}** | **${pct(namedOps, total)} %** | **${passRole}** | **${curatedOps}** |`,
  "",
  `Target: fewer than 5 % of operations named but unknown. Now ${pct(namedOps, total)} %. Resources with \`*\` but no \`resourceParts\`: ${bareStars.length}.`,
  "",
  "## Named but unknown, every operation",
  "",
  "The input names the resource, and the mapping leaves the listed parts unknown (the engine then fails",
  "closed). Each entry says what is missed and why.",
  "",
];
for (const r of rows) {
  for (const [op, reasons] of r.named) {
    const why = WHY_NAMED[`${r.label} ${op}`];
    report.push(
      `- ${md(r.label)} ${md(op)}: ${reasons.map(md).join(", ")}${why ? ` (${md(why)})` : ""}`,
    );
  }
}
report.push(
  "",
  "## Not in the request, by part",
  "",
  "No member of the input can name the part: AWS resolves it from what the request does name.",
  "",
);
const notIn = new Map<string, string[]>();
for (const r of rows) {
  for (const [op, reason] of r.notInRequest) {
    const list = notIn.get(reason) ?? [];
    list.push(`${r.label} ${op}`);
    notIn.set(reason, list);
  }
}
for (const [reason, ops] of [...notIn].sort(
  (a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1),
)) {
  report.push(`- **${md(reason)}** (${ops.length}): ${ops.map(md).join(", ")}`);
}
report.push("", "## Server-side, by reason", "");
const byReason = new Map<string, string[]>();
for (const r of rows) {
  for (const [op, reasons] of r.unknownParts) {
    for (const reason of reasons) {
      if (!serverSide(op, reason)) continue;
      const list = byReason.get(reason) ?? [];
      list.push(`${r.label} ${op}`);
      byReason.set(reason, list);
    }
  }
}
for (const [reason, ops] of [...byReason].sort(
  (a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1),
)) {
  const shown = ops.slice(0, 12).map(md).join(", ");
  report.push(`- **${md(reason)}** (${ops.length}): ${shown}${ops.length > 12 ? ", …" : ""}`);
}
if (bareStars.length > 0) {
  report.push("", "## Resources with `*` but no `resourceParts`", "");
  for (const b of bareStars) report.push(`- ${md(b)}`);
}
if (process.argv.includes("--write")) {
  writeFileSync(new URL("../FIDELITY.md", import.meta.url), `${report.join("\n")}\n`);
} else if (!process.argv.includes("--markdown")) {
  console.log(`\n${report.join("\n")}`);
}
