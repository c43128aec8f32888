import type { VariableValues } from "../general-rule.js";
import { asString, type InputView } from "../input-view.js";
import type { ServiceRules } from "../service-rules.js";
import { unknownPart } from "../unknown-part.js";

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
    const vars: Record<string, string | undefined> = {};
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
    } else if (call.input.arns().length === 0) {
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
    return vars;
  },
};

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
      general();
      if (call.input.get("VPC") !== undefined) call.require("ec2:DescribeVpcs", { resource: "*" });
    },
    AssociateVPCWithHostedZone: (call, general) => {
      general();
      call.require("ec2:DescribeVpcs", { resource: "*" });
    },
  },
  variables: (call) => {
    const zone = asString(call.input.get("HostedZoneId")) ?? asString(call.input.get("Id"));
    if (zone === undefined) return undefined;
    return { Id: zone.slice(zone.lastIndexOf("/") + 1) };
  },
};
