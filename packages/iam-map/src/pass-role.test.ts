import { describe, expect, it } from "vitest";
import { map, pairs } from "./test-utils/map.js";

/** The iam:PassRole requests of a result, with the service each role is passed to. */
async function passRole(service: string, operation: string, input: unknown) {
  const r = await map(service, operation, input);
  expect(r.known, r.reason).toBe(true);
  return r.requests
    .filter((q) => q.action === "iam:PassRole")
    .map((q) => ({
      resource: q.resource,
      parts: q.resourceParts,
      to: q.context?.["iam:PassedToService"],
    }));
}

const ROLE = "arn:aws:iam::123456789012:role/admin";

describe("iam:PassRole (IAM User Guide, 'Grant a user permissions to pass a role to an AWS service')", () => {
  it("Lambda CreateFunction and UpdateFunctionConfiguration pass `Role` (Lambda API reference)", async () => {
    for (const op of ["CreateFunctionCommand", "UpdateFunctionConfigurationCommand"]) {
      expect(await passRole("LambdaClient", op, { FunctionName: "f", Role: ROLE })).toEqual([
        { resource: ROLE, parts: undefined, to: "lambda.amazonaws.com" },
      ]);
    }
  });

  it("EC2 RunInstances passes the role behind `IamInstanceProfile`, which only EC2 knows (EC2 API reference, RunInstances)", async () => {
    const r = await passRole("EC2Client", "RunInstancesCommand", {
      ImageId: "ami-1",
      MinCount: 1,
      MaxCount: 1,
      IamInstanceProfile: { Name: "web" },
    });
    expect(r).toEqual([
      {
        resource: "arn:aws:iam::123456789012:role/*",
        parts: ["arn:aws:iam::123456789012:role/", { unknown: "role in instance-profile/web" }],
        to: "ec2.amazonaws.com",
      },
    ]);
  });

  it("ECS RegisterTaskDefinition and RunTask overrides pass task and execution roles (ECS API reference)", async () => {
    expect(
      await passRole("ECSClient", "RegisterTaskDefinitionCommand", {
        family: "web",
        containerDefinitions: [],
        taskRoleArn: ROLE,
        executionRoleArn: "arn:aws:iam::123456789012:role/exec",
      }),
    ).toEqual([
      { resource: ROLE, parts: undefined, to: "ecs-tasks.amazonaws.com" },
      {
        resource: "arn:aws:iam::123456789012:role/exec",
        parts: undefined,
        to: "ecs-tasks.amazonaws.com",
      },
    ]);
    expect(
      await passRole("ECSClient", "RunTaskCommand", {
        taskDefinition: "web:3",
        overrides: { taskRoleArn: ROLE },
      }),
    ).toEqual([{ resource: ROLE, parts: undefined, to: "ecs-tasks.amazonaws.com" }]);
  });

  it("IAM AddRoleToInstanceProfile passes the named role, whose path is unknown (IAM API reference)", async () => {
    expect(
      await passRole("IAMClient", "AddRoleToInstanceProfileCommand", {
        InstanceProfileName: "p",
        RoleName: "admin",
      }),
    ).toEqual([
      {
        resource: "arn:aws:iam::123456789012:role/*admin",
        parts: ["arn:aws:iam::123456789012:role/", { unknown: "IAM role path" }, "admin"],
        to: "ec2.amazonaws.com",
      },
    ]);
  });

  it("Glue, Step Functions, EKS, RDS, SSM, CloudFormation, EventBridge, CloudWatch Logs (their API references)", async () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ["GlueClient", "CreateJobCommand", { Name: "j", Role: ROLE, Command: {} }, "glue"],
      [
        "SFNClient",
        "CreateStateMachineCommand",
        { name: "m", definition: "{}", roleArn: ROLE },
        "states",
      ],
      [
        "EKSClient",
        "CreateClusterCommand",
        { name: "c", roleArn: ROLE, resourcesVpcConfig: {} },
        "eks",
      ],
      [
        "RDSClient",
        "AddRoleToDBClusterCommand",
        { DBClusterIdentifier: "c", RoleArn: ROLE },
        "rds",
      ],
      ["SSMClient", "SendCommandCommand", { DocumentName: "d", ServiceRoleArn: ROLE }, "ssm"],
      [
        "CloudFormationClient",
        "CreateStackCommand",
        { StackName: "s", RoleARN: ROLE },
        "cloudformation",
      ],
      [
        "EventBridgeClient",
        "PutTargetsCommand",
        {
          Rule: "r",
          Targets: [{ Id: "1", Arn: "arn:aws:sqs:us-east-1:123456789012:q", RoleArn: ROLE }],
        },
        "events",
      ],
      [
        "CloudWatchLogsClient",
        "PutDestinationCommand",
        {
          destinationName: "d",
          targetArn: "arn:aws:kinesis:us-east-1:123456789012:stream/s",
          roleArn: ROLE,
        },
        "logs",
      ],
    ];
    for (const [client, op, input, service] of cases) {
      const r = await passRole(client, op, input);
      expect(r, op).toEqual([{ resource: ROLE, parts: undefined, to: `${service}.amazonaws.com` }]);
    }
  });

  it("a call that passes no role asks for no PassRole", async () => {
    const r = await map("LambdaClient", "CreateFunctionCommand", { FunctionName: "f" });
    expect(pairs(r.requests).some(([a]) => a === "iam:PassRole")).toBe(false);
  });
  it("roles other services assume in newer operations: Step Functions TestState, EKS capabilities, EventBridge global endpoints, ECS daemon task definitions (their API references; found by the botocore differential)", async () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      [
        "SFNClient",
        "TestStateCommand",
        { definition: "{}", roleArn: ROLE },
        "states.amazonaws.com",
      ],
      [
        "EKSClient",
        "CreateCapabilityCommand",
        { clusterName: "c", capabilityName: "argo", type: "ARGOCD", roleArn: ROLE },
        "capabilities.eks.amazonaws.com",
      ],
      [
        "EventBridgeClient",
        "CreateEndpointCommand",
        { Name: "e", RoutingConfig: {}, EventBuses: [], RoleArn: ROLE },
        "events.amazonaws.com",
      ],
      [
        "ECSClient",
        "RegisterDaemonTaskDefinitionCommand",
        { family: "d", containerDefinitions: [], taskRoleArn: ROLE },
        "ecs-tasks.amazonaws.com",
      ],
    ];
    for (const [client, op, input, to] of cases) {
      expect(await passRole(client, op, input), op).toEqual([
        { resource: ROLE, parts: undefined, to },
      ]);
    }
  });
});
