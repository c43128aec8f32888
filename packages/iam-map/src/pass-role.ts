import type { Call } from "./call.js";
import { type InputView, isRecord, read } from "./input-view.js";
import { hasOwnMember, ownMember } from "./object-prototype.js";
import { unknownPart } from "./unknown-part.js";

/**
 * Operations that pass an IAM role to a service, so that AWS also checks `iam:PassRole` on the
 * role with `iam:PassedToService` (IAM User Guide, "Grant a user permissions to pass a role to an
 * AWS service"). Keyed by IAM prefix then operation: the input members that hold the role, as a
 * path (`overrides.taskRoleArn`, `Targets[].RoleArn`), and the service principal it is passed to.
 * A member named `…InstanceProfile` holds an instance profile whose role only the server knows.
 * @internal
 */
export const passRoleMembers: Readonly<
  Record<string, Readonly<Record<string, readonly [service: string, ...paths: string[]]>>>
> = {
  lambda: {
    // Lambda API reference, CreateFunction / UpdateFunctionConfiguration: `Role`.
    CreateFunction: ["lambda.amazonaws.com", "Role"],
    UpdateFunctionConfiguration: ["lambda.amazonaws.com", "Role"],
  },
  ec2: {
    // EC2 API reference, RunInstances / AssociateIamInstanceProfile: `IamInstanceProfile`.
    RunInstances: ["ec2.amazonaws.com", "IamInstanceProfile"],
    AssociateIamInstanceProfile: ["ec2.amazonaws.com", "IamInstanceProfile"],
    ReplaceIamInstanceProfileAssociation: ["ec2.amazonaws.com", "IamInstanceProfile"],
    // A launch template's profile is passed when an instance is launched from it.
    CreateLaunchTemplate: ["ec2.amazonaws.com", "LaunchTemplateData.IamInstanceProfile"],
    CreateLaunchTemplateVersion: ["ec2.amazonaws.com", "LaunchTemplateData.IamInstanceProfile"],
  },
  ecs: {
    // ECS API reference, RegisterTaskDefinition: `taskRoleArn`, `executionRoleArn`.
    RegisterTaskDefinition: ["ecs-tasks.amazonaws.com", "taskRoleArn", "executionRoleArn"],
    // ECS API reference, RunTask / StartTask: `overrides.taskRoleArn`, `overrides.executionRoleArn`.
    RunTask: ["ecs-tasks.amazonaws.com", "overrides.taskRoleArn", "overrides.executionRoleArn"],
    StartTask: ["ecs-tasks.amazonaws.com", "overrides.taskRoleArn", "overrides.executionRoleArn"],
    // ECS API reference, CreateService: `role` (the service-linked role for the load balancer).
    CreateService: ["ecs.amazonaws.com", "role"],
    // ECS API reference, RegisterDaemonTaskDefinition: `taskRoleArn`, `executionRoleArn`, as for
    // task definitions.
    RegisterDaemonTaskDefinition: ["ecs-tasks.amazonaws.com", "taskRoleArn", "executionRoleArn"],
  },
  iam: {
    // IAM API reference, AddRoleToInstanceProfile: "must be granted the PassRole permission".
    AddRoleToInstanceProfile: ["ec2.amazonaws.com", "RoleName"],
  },
  glue: {
    // Glue API reference: jobs, crawlers, sessions, dev endpoints and ML transforms run as `Role`.
    CreateJob: ["glue.amazonaws.com", "Role"],
    UpdateJob: ["glue.amazonaws.com", "JobUpdate.Role"],
    CreateCrawler: ["glue.amazonaws.com", "Role"],
    UpdateCrawler: ["glue.amazonaws.com", "Role"],
    CreateSession: ["glue.amazonaws.com", "Role"],
    CreateDevEndpoint: ["glue.amazonaws.com", "RoleArn"],
    CreateMLTransform: ["glue.amazonaws.com", "Role"],
    UpdateMLTransform: ["glue.amazonaws.com", "Role"],
    StartBlueprintRun: ["glue.amazonaws.com", "RoleArn"],
    StartColumnStatisticsTaskRun: ["glue.amazonaws.com", "Role"],
    CreateColumnStatisticsTaskSettings: ["glue.amazonaws.com", "Role"],
    UpdateColumnStatisticsTaskSettings: ["glue.amazonaws.com", "Role"],
    StartDataQualityRuleRecommendationRun: ["glue.amazonaws.com", "Role"],
    StartDataQualityRulesetEvaluationRun: ["glue.amazonaws.com", "Role"],
  },
  states: {
    // Step Functions API reference, CreateStateMachine / UpdateStateMachine: `roleArn`.
    CreateStateMachine: ["states.amazonaws.com", "roleArn"],
    UpdateStateMachine: ["states.amazonaws.com", "roleArn"],
    // Step Functions API reference, TestState: "The TestState API assumes an IAM role" (`roleArn`).
    TestState: ["states.amazonaws.com", "roleArn"],
  },
  eks: {
    // EKS API reference: CreateCluster `roleArn`, CreateNodegroup `nodeRole`,
    // CreateFargateProfile `podExecutionRoleArn`.
    CreateCluster: ["eks.amazonaws.com", "roleArn"],
    CreateNodegroup: ["eks.amazonaws.com", "nodeRole"],
    CreateFargateProfile: ["eks.amazonaws.com", "podExecutionRoleArn"],
    // EKS API reference, CreatePodIdentityAssociation: the role pods assume.
    CreatePodIdentityAssociation: ["pods.eks.amazonaws.com", "roleArn"],
    UpdatePodIdentityAssociation: ["pods.eks.amazonaws.com", "roleArn"],
    // EKS User Guide, "Amazon EKS capability IAM role": the role capabilities assume (`roleArn`).
    CreateCapability: ["capabilities.eks.amazonaws.com", "roleArn"],
    UpdateCapability: ["capabilities.eks.amazonaws.com", "roleArn"],
  },
  rds: {
    // RDS API reference: enhanced monitoring `MonitoringRoleArn`; feature roles `RoleArn`.
    CreateDBInstance: ["monitoring.rds.amazonaws.com", "MonitoringRoleArn"],
    ModifyDBInstance: ["monitoring.rds.amazonaws.com", "MonitoringRoleArn"],
    CreateDBCluster: ["monitoring.rds.amazonaws.com", "MonitoringRoleArn"],
    ModifyDBCluster: ["monitoring.rds.amazonaws.com", "MonitoringRoleArn"],
    AddRoleToDBCluster: ["rds.amazonaws.com", "RoleArn"],
    AddRoleToDBInstance: ["rds.amazonaws.com", "RoleArn"],
    // RDS API reference, CreateDBProxy: the role the proxy uses to read secrets.
    CreateDBProxy: ["rds.amazonaws.com", "RoleArn"],
    ModifyDBProxy: ["rds.amazonaws.com", "RoleArn"],
  },
  ssm: {
    // Systems Manager API reference: maintenance window tasks and SendCommand `ServiceRoleArn`,
    // CreateActivation `IamRole`.
    RegisterTaskWithMaintenanceWindow: ["ssm.amazonaws.com", "ServiceRoleArn"],
    UpdateMaintenanceWindowTask: ["ssm.amazonaws.com", "ServiceRoleArn"],
    SendCommand: ["ssm.amazonaws.com", "ServiceRoleArn"],
    CreateActivation: ["ssm.amazonaws.com", "IamRole"],
  },
  cloudformation: {
    // CloudFormation API reference: `RoleARN` on stacks and change sets; stack set admin role.
    CreateStack: ["cloudformation.amazonaws.com", "RoleARN"],
    UpdateStack: ["cloudformation.amazonaws.com", "RoleARN"],
    DeleteStack: ["cloudformation.amazonaws.com", "RoleARN"],
    CreateChangeSet: ["cloudformation.amazonaws.com", "RoleARN"],
    ContinueUpdateRollback: ["cloudformation.amazonaws.com", "RoleARN"],
    RollbackStack: ["cloudformation.amazonaws.com", "RoleARN"],
    CreateStackSet: ["cloudformation.amazonaws.com", "AdministrationRoleARN"],
    UpdateStackSet: ["cloudformation.amazonaws.com", "AdministrationRoleARN"],
  },
  events: {
    // EventBridge API reference, PutTargets `Targets[].RoleArn`; PutRule `RoleArn`.
    PutTargets: ["events.amazonaws.com", "Targets[].RoleArn"],
    PutRule: ["events.amazonaws.com", "RoleArn"],
    // EventBridge API reference, CreateEndpoint / UpdateEndpoint: `RoleArn`, "the role used for
    // replication".
    CreateEndpoint: ["events.amazonaws.com", "RoleArn"],
    UpdateEndpoint: ["events.amazonaws.com", "RoleArn"],
  },
  logs: {
    // CloudWatch Logs API reference, PutDestination / PutSubscriptionFilter `roleArn`.
    PutDestination: ["logs.amazonaws.com", "roleArn"],
    PutSubscriptionFilter: ["logs.amazonaws.com", "roleArn"],
  },
  "cognito-idp": {
    // Cognito API reference, CreateUserPool / UpdateUserPool `SmsConfiguration.SnsCallerArn`.
    CreateUserPool: ["cognito-idp.amazonaws.com", "SmsConfiguration.SnsCallerArn"],
    UpdateUserPool: ["cognito-idp.amazonaws.com", "SmsConfiguration.SnsCallerArn"],
  },
};

/** A member path split once: `Targets[].RoleArn` → `[["Targets", true], ["RoleArn", false]]`. */
type Path = ReadonlyArray<readonly [member: string, each: boolean]>;

/** How one operation passes roles, compiled once per plan. @internal */
export interface PassRolePlan {
  readonly service: string;
  readonly paths: readonly Path[];
}

/** The compiled PassRole plan for an operation, or undefined when it passes no role. @internal */
export function passRolePlan(prefix: string, operation: string): PassRolePlan | undefined {
  const table = ownMember(passRoleMembers, prefix);
  const entry = table ? ownMember(table, operation) : undefined;
  if (!entry) return undefined;
  const [service, ...paths] = entry;
  return {
    service,
    paths: paths.map((p) =>
      p
        .split(".")
        .map((s): readonly [string, boolean] =>
          s.endsWith("[]") ? [s.slice(0, -2), true] : [s, false],
        ),
    ),
  };
}

/** True for IAM prefixes with operations that pass a role, which need the `iam` reference. @internal */
export function passesRoles(prefix: string): boolean {
  return hasOwnMember(passRoleMembers, prefix);
}

/** A member path in words, for reasons. */
function where(path: Path): string {
  return path.map(([m]) => m).join(".");
}

/** The values at a member path (arrays marked `[]` fan out), at most 100. */
function valuesAt(input: InputView, path: Path): unknown[] {
  const at = where(path);
  let current: unknown[] = [undefined];
  for (let i = 0; i < path.length; i++) {
    const [member, each] = path[i]!;
    const next: unknown[] = [];
    for (const value of current) {
      const v = i === 0 ? input.get(member) : read(value, member);
      if (v === undefined || v === null) continue;
      if (each) next.push(...input.list(v, at, 100));
      else next.push(v);
    }
    // Every role passed is checked: more than keycard reads makes the call unknown.
    if (next.length > 100) input.unreadable(`${at} (more than 100 entries)`);
    current = next.slice(0, 100);
  }
  return current;
}

/**
 * Adds `iam:PassRole` for each role the call passes. A role named without its ARN has an unknown
 * path; an instance profile's role is known only to the server, so its name is unknown too.
 * @internal
 */
export function requirePassRole(call: Call, plan: PassRolePlan): void {
  const context = { "iam:PassedToService": plan.service };
  for (const path of plan.paths) {
    const profile = path[path.length - 1]![0].endsWith("InstanceProfile");
    for (const value of valuesAt(call.input, path)) {
      const resource = profile
        ? profileRole(call, value)
        : roleArn(call, call.input.textOf(value, where(path)));
      if (resource === undefined) continue;
      call.require("iam:PassRole", { resource, context });
    }
  }
}

function iamAccount(call: Call): string {
  return call.account ?? unknownPart("account");
}

/** A role ARN as given, or the role's ARN with an unknown path when given by name. */
function roleArn(call: Call, ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  if (ref.startsWith("arn:")) return ref;
  const name = ref.slice(ref.lastIndexOf("/") + 1);
  return `arn:${call.partition}:iam::${iamAccount(call)}:role/${unknownPart("IAM role path")}${name}`;
}

/** The role behind an instance profile (`{Arn}` or `{Name}`): only its account is known. */
function profileRole(call: Call, value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const arn = call.input.textOf(read(value, "Arn"), "IamInstanceProfile.Arn");
  const name = call.input.textOf(read(value, "Name"), "IamInstanceProfile.Name");
  if (arn === undefined && name === undefined) return undefined;
  const account = arn ? /^arn:[^:]+:iam::(\d*):/.exec(arn)?.[1] : undefined;
  const profile = arn ?? `instance-profile/${name}`;
  return `arn:${call.partition}:iam::${account || iamAccount(call)}:role/${unknownPart(`role in ${profile}`)}`;
}
