import { describe, expect, it } from "vitest";
import { map, pairs } from "./test-utils/map.js";

describe("list members fan out; an entry that cannot be mapped makes the call unknown", () => {
  it("SSM GetParameters authorizes every Names entry, an ARN entry in its own account and region (Systems Manager API reference, GetParameters: Names accepts names or ARNs)", async () => {
    const r = await map("SSMClient", "GetParametersCommand", {
      Names: ["/app/ok", "arn:aws:ssm:eu-west-1:999988887777:parameter/prod/db/password:2"],
    });
    expect(pairs(r.requests)).toEqual([
      ["ssm:GetParameters", "arn:aws:ssm:us-east-1:123456789012:parameter/app/ok"],
      ["ssm:GetParameters", "arn:aws:ssm:eu-west-1:999988887777:parameter/prod/db/password"],
    ]);
  });

  it("SSM GetParameter by ARN is on that ARN (Systems Manager User Guide, 'Working with shared parameters')", async () => {
    const r = await map("SSMClient", "GetParameterCommand", {
      Name: "arn:aws:ssm:eu-west-1:999988887777:parameter/shared/x",
    });
    expect(pairs(r.requests)).toEqual([
      ["ssm:GetParameter", "arn:aws:ssm:eu-west-1:999988887777:parameter/shared/x"],
    ]);
  });

  it("Secrets Manager BatchGetSecretValue also needs GetSecretValue per secret, and ListSecrets with filters (Secrets Manager API reference, BatchGetSecretValue)", async () => {
    const byList = await map("SecretsManagerClient", "BatchGetSecretValueCommand", {
      SecretIdList: ["a", "arn:aws:secretsmanager:us-west-2:111122223333:secret:b-AbC123"],
    });
    expect(pairs(byList.requests)).toEqual([
      ["secretsmanager:BatchGetSecretValue", "*"],
      ["secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-*"],
      [
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-west-2:111122223333:secret:b-AbC123",
      ],
    ]);
    const byFilter = await map("SecretsManagerClient", "BatchGetSecretValueCommand", {
      Filters: [{ Key: "name", Values: ["prod"] }],
    });
    expect(pairs(byFilter.requests).map(([a]) => a)).toEqual([
      "secretsmanager:BatchGetSecretValue",
      "secretsmanager:ListSecrets",
      "secretsmanager:GetSecretValue",
    ]);
    expect(byFilter.requests[2]?.resourceParts?.[1]).toEqual({
      unknown: "secrets the filters select",
    });
  });

  it("an ARN entry of another kind makes the whole call unknown, never dropped (ECS API reference, DescribeTasks: tasks are IDs or ARNs)", async () => {
    const r = await map("ECSClient", "DescribeTasksCommand", {
      cluster: "c",
      tasks: ["t1", "arn:aws:sqs:us-east-1:123456789012:q"],
    });
    expect(r.known).toBe(false);
    expect(r.reason).toContain("arn:aws:sqs:us-east-1:123456789012:q");
  });

  it("EC2 list entries given as ARNs are authorized as those ARNs", async () => {
    const r = await map("EC2Client", "TerminateInstancesCommand", {
      InstanceIds: ["i-1", "arn:aws:ec2:us-east-1:123456789012:instance/i-2"],
    });
    expect(pairs(r.requests)).toEqual([
      ["ec2:TerminateInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-1"],
      ["ec2:TerminateInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-2"],
    ]);
  });
});

describe("resources the input names, under another member name", () => {
  it("IAM users, roles and groups: the ARN holds an unknown path before the name (IAM User Guide, 'IAM identifiers'; Service Authorization Reference, IAM: user/UserNameWithPath)", async () => {
    const r = await map("IAMClient", "CreateAccessKeyCommand", { UserName: "admin" });
    expect(r.requests[0]?.resourceParts).toEqual([
      "arn:aws:iam::123456789012:user/",
      { unknown: "IAM user path" },
      "admin",
    ]);
    const g = await map("IAMClient", "AddUserToGroupCommand", {
      GroupName: "ops",
      UserName: "u",
    });
    expect(g.requests[0]?.resourceParts).toEqual([
      "arn:aws:iam::123456789012:group/",
      { unknown: "IAM group path" },
      "ops",
    ]);
  });

  it("IAM CreateUser/CreateRole know the path from `Path` (`/` by default) (IAM API reference, CreateUser)", async () => {
    const a = await map("IAMClient", "CreateUserCommand", { UserName: "u", Path: "/div/" });
    const b = await map("IAMClient", "CreateRoleCommand", {
      RoleName: "r",
      AssumeRolePolicyDocument: "{}",
    });
    expect(pairs(a.requests)).toEqual([["iam:CreateUser", "arn:aws:iam::123456789012:user/div/u"]]);
    expect(b.requests[0]).toMatchObject({ resource: "arn:aws:iam::123456789012:role/r" });
    expect(b.requests[0]?.resourceParts).toBeUndefined();
  });

  it("CloudFront `Id`, EC2 `GroupId`, Route 53 `HostedZoneId`, SSM `WindowId`, Lambda layer `VersionNumber` (their API references)", async () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      [
        "CloudFrontClient",
        "GetDistributionCommand",
        { Id: "E1" },
        "arn:aws:cloudfront::123456789012:distribution/E1",
      ],
      [
        "EC2Client",
        "AuthorizeSecurityGroupIngressCommand",
        { GroupId: "sg-1" },
        "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1",
      ],
      [
        "Route53Client",
        "ChangeResourceRecordSetsCommand",
        { HostedZoneId: "/hostedzone/Z1", ChangeBatch: {} },
        "arn:aws:route53:::hostedzone/Z1",
      ],
      [
        "SSMClient",
        "GetMaintenanceWindowCommand",
        { WindowId: "mw-1" },
        "arn:aws:ssm:us-east-1:123456789012:maintenancewindow/mw-1",
      ],
      [
        "LambdaClient",
        "GetLayerVersionCommand",
        { LayerName: "l", VersionNumber: 3 },
        "arn:aws:lambda:us-east-1:123456789012:layer:l:3",
      ],
    ];
    for (const [client, op, input, arn] of cases) {
      const r = await map(client, op, input);
      expect(r.requests[0], op).toMatchObject({ resource: arn });
      expect(r.requests[0]?.resourceParts, op).toBeUndefined();
    }
  });

  it("an ECS cluster given as ARN, and the default cluster when none is named (ECS API reference, UpdateService: cluster)", async () => {
    const a = await map("ECSClient", "UpdateServiceCommand", {
      cluster: "arn:aws:ecs:eu-west-1:111122223333:cluster/c1",
      service: "s",
    });
    expect(pairs(a.requests)).toEqual([
      ["ecs:UpdateService", "arn:aws:ecs:eu-west-1:111122223333:service/c1/s"],
    ]);
    const b = await map("ECSClient", "DescribeServicesCommand", { services: ["a", "b"] });
    expect(pairs(b.requests)).toEqual([
      ["ecs:DescribeServices", "arn:aws:ecs:us-east-1:123456789012:service/default/a"],
      ["ecs:DescribeServices", "arn:aws:ecs:us-east-1:123456789012:service/default/b"],
    ]);
  });

  it("an ECS task definition by family alone is its latest revision, which only ECS knows (ECS API reference, RunTask: taskDefinition)", async () => {
    const r = await map("ECSClient", "RunTaskCommand", { taskDefinition: "web" });
    expect(r.requests[0]?.resourceParts).toEqual([
      "arn:aws:ecs:us-east-1:123456789012:task-definition/web:",
      { unknown: "latest ACTIVE revision" },
    ]);
  });
});
