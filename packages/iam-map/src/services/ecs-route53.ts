import type { Call } from "../call.js";
import type { VariableValues } from "../general-rule.js";
import type { InputView } from "../input-view.js";
import type { OperationRule, ServiceRules } from "../service-rules.js";
import { hasUnknownPart, unknownPart } from "../unknown-part.js";

const ECS_ARN = /^arn:([^:]+):ecs:([^:]*):([^:]*):([a-z-]+)\/(.+)$/;

/**
 * Amazon ECS: members take a name or an ARN (`cluster`, `service`, `task`, `taskDefinition`); a
 * call that names no cluster uses the `default` cluster (ECS API reference, `cluster`: "If you do
 * not specify a cluster, the default cluster is assumed"); a task definition named by family alone
 * is its latest ACTIVE revision, which only the server knows.
 * @internal
 */
export const ecsRules: ServiceRules = {
  variables: (call) => {
    const vars: Record<string, string | readonly string[] | undefined> = {};
    const cluster = call.input.string("cluster");
    const arn = cluster === undefined ? null : ECS_ARN.exec(cluster);
    // A service, task or container instance given as a new-format ARN names its cluster
    // (`service/prod/api`); one given without a cluster belongs to that cluster, not `default`.
    const member = cluster === undefined ? clusterMember(call.input) : null;
    if (arn) {
      Object.assign(vars, { Partition: arn[1], Region: arn[2], Account: arn[3] });
      vars["ClusterName"] = arn[5];
    } else if (member) {
      Object.assign(vars, { Partition: member[1], Region: member[2], Account: member[3] });
      vars["ClusterName"] = member[5]!.slice(0, member[5]!.indexOf("/"));
    } else if (cluster !== undefined || call.input.string("clusterName") !== undefined) {
      vars["ClusterName"] = cluster ?? call.input.string("clusterName");
    } else if (!call.input.hasArnMember()) {
      vars["ClusterName"] = "default";
    }
    // Otherwise an ARN member (`serviceArn`, `daemonArn`) is matched whole by the general rule.
    const service = call.input.string("service");
    if (service !== undefined) vars["ServiceName"] = service.slice(service.lastIndexOf("/") + 1);
    const task = call.input.string("task");
    if (task !== undefined) vars["TaskId"] = task.slice(task.lastIndexOf("/") + 1);
    Object.assign(
      vars,
      taskDefinition(
        call.operation,
        call.input.string("taskDefinition"),
        call.input.string("family"),
      ),
    );
    if (cluster === undefined) Object.assign(vars, deploymentVariables(call.input));
    ecsContext(call, vars);
    return vars;
  },
};

/**
 * `ecs:cluster` and `ecs:task-definition` hold ARNs (ECS Developer Guide, "Amazon ECS condition
 * keys"), whatever form the request names them in: built from the variables above, or unknown
 * when a part of the ARN is (a family without its revision, a region or account not known).
 */
function ecsContext(call: Call, vars: VariableValues): void {
  const partition = text(vars["Partition"]) ?? call.partition;
  const region = text(vars["Region"]) ?? call.region;
  const account = text(vars["Account"]) ?? call.account;
  const arn = (resource: string | undefined) =>
    resource === undefined || region === undefined || account === undefined
      ? undefined
      : `arn:${partition}:ecs:${region}:${account}:${resource}`;
  const clusterName = text(vars["ClusterName"]);
  const cluster = arn(clusterName === undefined ? undefined : `cluster/${clusterName}`);
  if (cluster !== undefined) call.callContext["ecs:cluster"] = cluster;
  else call.unknownContext.push("ecs:cluster");
  const family = text(vars["TaskDefinitionFamilyName"]);
  const revision = text(vars["TaskDefinitionRevisionNumber"]);
  const given = call.input.string("taskDefinition");
  // An ARN without its revision names the latest ACTIVE one, as a family does.
  const definition = given?.startsWith("arn:")
    ? /:task-definition\/[^:/]+:\d+$/.test(given)
      ? given
      : undefined
    : arn(
        family === undefined || revision === undefined
          ? undefined
          : `task-definition/${family}:${revision}`,
      );
  if (definition !== undefined) call.callContext["ecs:task-definition"] = definition;
  else call.unknownContext.push("ecs:task-definition");
}

/** A variable's value when it is one known text (no unknown part). */
function text(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === "string" && value.length > 0 && !hasUnknownPart(value)
    ? value
    : undefined;
}

/**
 * Service and daemon deployments and revisions are named by ARN alone
 * (`service-deployment/cluster/service/id`; ECS API reference, DescribeServiceDeployments), and
 * AWS also checks the service or daemon they belong to: both come from the ARN. Entries of
 * different services or daemons leave them unknown rather than picking one.
 */
const DEPLOYMENT_MEMBERS: ReadonlyArray<readonly [member: string, parent: string, id: string]> = [
  ["serviceDeploymentArn", "ServiceName", "ServiceDeploymentId"],
  ["serviceDeploymentArns", "ServiceName", "ServiceDeploymentId"],
  ["serviceRevisionArns", "ServiceName", "ServiceRevisionId"],
  ["daemonDeploymentArns", "DaemonName", "DaemonDeploymentId"],
  ["daemonRevisionArns", "DaemonName", "DaemonRevisionId"],
];

function deploymentVariables(input: InputView): VariableValues {
  for (const [member, parent, id] of DEPLOYMENT_MEMBERS) {
    const raw = input.get(member);
    const refs =
      typeof raw === "string" ? input.strings([raw], member) : input.strings(raw, member, 100);
    if (!refs || refs.length === 0) continue;
    // Unknown where the entries disagree or are not such ARNs: region and account included,
    // since the ARNs may name another account's resources.
    const unknown = {
      Region: undefined,
      Account: undefined,
      ClusterName: undefined,
      [parent]: undefined,
    };
    const parents = new Set<string>();
    const ids: string[] = [];
    let env: RegExpExecArray | null = null;
    for (const ref of refs) {
      const m = ECS_ARN.exec(ref);
      const path = m?.[5]?.split("/");
      if (!m || !path || path.length !== 3) return unknown;
      parents.add(`${m[1]}:${m[2]}:${m[3]}:${path[0]}/${path[1]}`);
      ids.push(path[2]!);
      env = m;
    }
    if (parents.size !== 1 || !env) return unknown;
    const [clusterName, name] = env[5]!.split("/");
    return {
      Partition: env[1],
      Region: env[2],
      Account: env[3],
      ClusterName: clusterName,
      [parent]: name,
      [id]: ids,
    };
  }
  return {};
}

/** The first of `service`, `task`, `containerInstance` that is an ECS ARN with a cluster segment. */
function clusterMember(input: InputView): RegExpExecArray | null {
  for (const name of ["service", "task", "containerInstance"]) {
    const value = input.string(name);
    const m = value === undefined ? null : ECS_ARN.exec(value);
    if (m?.[5]?.includes("/")) return m;
  }
  return null;
}

/** `family`, `family:revision` or a task definition ARN; RegisterTaskDefinition gets a new revision. */
function taskDefinition(
  operation: string,
  ref: string | undefined,
  family: string | undefined,
): VariableValues {
  if (operation === "RegisterTaskDefinition" && family !== undefined) {
    return {
      TaskDefinitionFamilyName: family,
      TaskDefinitionRevisionNumber: unknownPart("revision ECS assigns"),
    };
  }
  if (ref === undefined) return {};
  const tail = ref.startsWith("arn:") ? ref.slice(ref.lastIndexOf("/") + 1) : ref;
  const colon = tail.lastIndexOf(":");
  if (colon < 0) {
    return {
      TaskDefinitionFamilyName: tail,
      TaskDefinitionRevisionNumber: unknownPart("latest ACTIVE revision"),
    };
  }
  return {
    TaskDefinitionFamilyName: tail.slice(0, colon),
    TaskDefinitionRevisionNumber: tail.slice(colon + 1),
  };
}

/** Route 53 ids: letters and digits (zones) or a UUID (health checks). */
const ROUTE53_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Route 53 tagging calls name one type (`ResourceType`: `hostedzone` or `healthcheck`) and its
 * ids (`ResourceId` / `ResourceIds`; Route 53 API reference, ChangeTagsForResource,
 * ListTagsForResources); the ARN is `hostedzone/${Id}` or `healthcheck/${Id}`. Any other type,
 * or an id in another form, is left to the general rule, which makes the resource unknown.
 */
const taggedResources: OperationRule = (call, general) => {
  const type = call.input.string("ResourceType");
  const one = call.input.get("ResourceId");
  const ids =
    one !== undefined
      ? [call.input.string("ResourceId")]
      : call.input.strings(call.input.get("ResourceIds"), "ResourceIds");
  if (
    (type !== "hostedzone" && type !== "healthcheck") ||
    ids === undefined ||
    ids.length === 0 ||
    !ids.every((id): id is string => id !== undefined && ROUTE53_ID.test(id))
  ) {
    general(call);
    return;
  }
  call.require(call.operation, {
    resource: ids.map((id) => `arn:${call.partition}:route53:::${type}/${id}`),
  });
};

/**
 * Amazon Route 53: zones are `HostedZoneId` in most calls and `Id` in a few, and the API returns
 * ids as `/hostedzone/Z1…` or `/change/C1…`; the ARN holds only the bare id (Service Authorization
 * Reference, Route 53: `hostedzone/${Id}`).
 * @internal
 */
export const route53Rules: ServiceRules = {
  related: ["ec2"],
  operations: {
    // Route 53 API reference, CreateHostedZone / AssociateVPCWithHostedZone: a private zone's VPC
    // is checked with ec2:DescribeVpcs (Route 53 Developer Guide, "API permissions reference").
    CreateHostedZone: (call, general) => {
      general(call);
      if (call.input.get("VPC") !== undefined) call.require("ec2:DescribeVpcs", { resource: "*" });
    },
    AssociateVPCWithHostedZone: (call, general) => {
      general(call);
      call.require("ec2:DescribeVpcs", { resource: "*" });
    },
    ChangeTagsForResource: taggedResources,
    ListTagsForResource: taggedResources,
    ListTagsForResources: taggedResources,
  },
  variables: (call) => {
    const zone = call.input.string("HostedZoneId") ?? call.input.string("Id");
    if (zone === undefined) return undefined;
    return { Id: zone.slice(zone.lastIndexOf("/") + 1) };
  },
};
