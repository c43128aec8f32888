import { describe, expect, it } from "vitest";
import { map, pairs } from "./test-utils/map.js";

/** The single resource of a call's first request, and whether it has unknown parts. */
async function first(client: string, op: string, input: Record<string, unknown>) {
  const r = await map(client, op, input);
  return { resource: r.requests[0]?.resource, parts: r.requests[0]?.resourceParts };
}

describe("resources named by members under another name", () => {
  it("an ECS service or task given as ARN is in the ARN's cluster, not `default` (ECS API reference, UpdateService / StopTask: `service` and `task` take a name or the full ARN; ECS Developer Guide, 'Amazon Resource Names (ARNs) and IDs')", async () => {
    // Attack: a policy allowing only the default cluster must not allow a call on `prod`.
    const svc = await map("ECSClient", "UpdateServiceCommand", {
      service: "arn:aws:ecs:eu-west-1:111122223333:service/prod/api",
    });
    expect(pairs(svc.requests)).toEqual([
      ["ecs:UpdateService", "arn:aws:ecs:eu-west-1:111122223333:service/prod/api"],
    ]);
    const task = await map("ECSClient", "StopTaskCommand", {
      task: "arn:aws:ecs:us-east-1:123456789012:task/prod/abc",
    });
    expect(pairs(task.requests)).toEqual([
      ["ecs:StopTask", "arn:aws:ecs:us-east-1:123456789012:task/prod/abc"],
    ]);
    const express = await map("ECSClient", "DescribeExpressGatewayServiceCommand", {
      serviceArn: "arn:aws:ecs:eu-west-1:111122223333:service/prod/api",
    });
    expect(pairs(express.requests)).toEqual([
      ["ecs:DescribeExpressGatewayService", "arn:aws:ecs:eu-west-1:111122223333:service/prod/api"],
    ]);
  });

  it("a service deployment ARN also names its service, which AWS checks too; deployments of different services leave both unknown (ECS API reference, DescribeServiceDeployments; Service Authorization Reference, ECS: service and service-deployment)", async () => {
    const one = await map("ECSClient", "DescribeServiceDeploymentsCommand", {
      serviceDeploymentArns: [
        "arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/api/d1",
        "arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/api/d2",
      ],
    });
    expect(one.requests.map((q) => q.resource)).toEqual([
      "arn:aws:ecs:eu-west-1:111122223333:service/prod/api",
      "arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/api/d1",
      "arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/api/d2",
    ]);
    // Attack: the caller's account and region must not stand in for another account's services.
    const mixed = await map("ECSClient", "DescribeServiceDeploymentsCommand", {
      serviceDeploymentArns: [
        "arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/api/d1",
        "arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/web/d2",
      ],
    });
    expect(mixed.requests.map((q) => q.resource)).toEqual([
      "arn:aws:ecs:*:*:service/*/*",
      "arn:aws:ecs:*:*:service-deployment/*/*/*",
    ]);
  });

  it("RDS members carry a `DB` prefix: `DBSubnetGroupName`, `DBSnapshotIdentifier`, `DBClusterParameterGroupName`, `GlobalClusterIdentifier` (RDS API reference, DeleteDBSubnetGroup, DeleteDBSnapshot, DeleteDBClusterParameterGroup, DeleteGlobalCluster)", async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["DeleteDBSubnetGroupCommand", { DBSubnetGroupName: "g" }, "subgrp:g"],
      ["DeleteDBSnapshotCommand", { DBSnapshotIdentifier: "s" }, "snapshot:s"],
      [
        "DeleteDBClusterParameterGroupCommand",
        { DBClusterParameterGroupName: "p" },
        "cluster-pg:p",
      ],
      [
        "DeleteDBClusterEndpointCommand",
        { DBClusterEndpointIdentifier: "e" },
        "cluster-endpoint:e",
      ],
    ];
    for (const [op, input, tail] of cases) {
      const r = await first("RDSClient", op, input);
      expect(r.resource, op).toBe(`arn:aws:rds:us-east-1:123456789012:${tail}`);
      expect(r.parts, op).toBeUndefined();
    }
    const global = await first("RDSClient", "DeleteGlobalClusterCommand", {
      GlobalClusterIdentifier: "gc",
    });
    expect(global.resource).toBe("arn:aws:rds::123456789012:global-cluster:gc");
  });

  it("EC2 `NetworkAclId`, `KeyName`, `HostIds`, `ServiceIds`, placement group `GroupName`, `SourceSnapshotIds` (EC2 API reference, DeleteNetworkAcl, CreateKeyPair, ReleaseHosts, DeleteVpcEndpointServiceConfigurations, DeletePlacementGroup, EnableFastSnapshotRestores)", async () => {
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ["DeleteNetworkAclCommand", { NetworkAclId: "acl-1" }, ["network-acl/acl-1"]],
      ["CreateKeyPairCommand", { KeyName: "k" }, ["key-pair/k"]],
      [
        "ReleaseHostsCommand",
        { HostIds: ["h-1", "h-2"] },
        ["dedicated-host/h-1", "dedicated-host/h-2"],
      ],
      [
        "DeleteVpcEndpointServiceConfigurationsCommand",
        { ServiceIds: ["vpce-svc-1"] },
        ["vpc-endpoint-service/vpce-svc-1"],
      ],
      ["DeletePlacementGroupCommand", { GroupName: "pg" }, ["placement-group/pg"]],
    ];
    for (const [op, input, tails] of cases) {
      const r = await map("EC2Client", op, input);
      expect(
        r.requests.map((q) => q.resource),
        op,
      ).toEqual(tails.map((t) => `arn:aws:ec2:us-east-1:123456789012:${t}`));
    }
    const fsr = await first("EC2Client", "EnableFastSnapshotRestoresCommand", {
      SourceSnapshotIds: ["snap-1"],
      AvailabilityZones: ["us-east-1a"],
    });
    expect(fsr.resource).toBe("arn:aws:ec2:us-east-1::snapshot/snap-1");
  });

  it("a bare `Id` is the resource type's: Route 53 `HealthCheckId`, CloudFront `Identifier` (Route 53 API reference, GetHealthCheck; CloudFront API reference, GetTrustStore)", async () => {
    expect(
      (await first("Route53Client", "GetHealthCheckCommand", { HealthCheckId: "hc-1" })).resource,
    ).toBe("arn:aws:route53:::healthcheck/hc-1");
    expect(
      (await first("CloudFrontClient", "GetTrustStoreCommand", { Identifier: "ts-1" })).resource,
    ).toBe("arn:aws:cloudfront::123456789012:trust-store/ts-1");
  });

  it("Systems Manager `SettingId` without its leading slash, `OpsItemId`, `BaselineId` (Systems Manager API reference, GetServiceSetting, GetOpsItem, GetPatchBaseline)", async () => {
    expect(
      (
        await first("SSMClient", "GetServiceSettingCommand", {
          SettingId: "/ssm/parameter-store/high-throughput-enabled",
        })
      ).resource,
    ).toBe(
      "arn:aws:ssm:us-east-1:123456789012:servicesetting/ssm/parameter-store/high-throughput-enabled",
    );
    expect((await first("SSMClient", "GetOpsItemCommand", { OpsItemId: "oi-1" })).resource).toBe(
      "arn:aws:ssm:us-east-1:123456789012:opsitem/oi-1",
    );
    expect(
      (await first("SSMClient", "GetPatchBaselineCommand", { BaselineId: "pb-1" })).resource,
    ).toBe("arn:aws:ssm:us-east-1:123456789012:patchbaseline/pb-1");
  });

  it("Systems Manager UpdateManagedInstanceRole names the role by name, so its path is unknown (Systems Manager API reference, UpdateManagedInstanceRole: IamRole)", async () => {
    const r = await map("SSMClient", "UpdateManagedInstanceRoleCommand", {
      InstanceId: "mi-1",
      IamRole: "ssm-role",
    });
    expect(r.requests[0]?.resourceParts).toEqual([
      "arn:aws:iam::123456789012:role/",
      { unknown: "IAM role path" },
      "ssm-role",
    ]);
  });

  it("Lambda provisioned concurrency is on the alias or version the `Qualifier` names (Service Authorization Reference, Lambda: GetProvisionedConcurrencyConfig on `function alias` / `function version`)", async () => {
    const r = await map("LambdaClient", "PutProvisionedConcurrencyConfigCommand", {
      FunctionName: "f",
      Qualifier: "live",
      ProvisionedConcurrentExecutions: 1,
    });
    expect(pairs(r.requests)).toEqual([
      [
        "lambda:PutProvisionedConcurrencyConfig",
        "arn:aws:lambda:us-east-1:123456789012:function:f:live",
      ],
    ]);
  });

  it("an IAM server certificate has an unknown path unless uploaded with `Path` (IAM API reference, GetServerCertificate, UploadServerCertificate)", async () => {
    const get = await first("IAMClient", "GetServerCertificateCommand", {
      ServerCertificateName: "c",
    });
    expect(get.parts).toEqual([
      "arn:aws:iam::123456789012:server-certificate/",
      { unknown: "IAM server certificate path" },
      "c",
    ]);
    const upload = await first("IAMClient", "UploadServerCertificateCommand", {
      ServerCertificateName: "c",
      Path: "/cloudfront/",
    });
    expect(upload.resource).toBe("arn:aws:iam::123456789012:server-certificate/cloudfront/c");
  });

  it("Glue schema registry members, `TableInput.Name`, and a statement's `Id` is not its session (Glue API reference, GetSchema, CreateTable, CancelStatement)", async () => {
    const schema = await map("GlueClient", "GetSchemaCommand", {
      SchemaId: { RegistryName: "r", SchemaName: "s" },
    });
    expect(schema.requests.map((q) => q.resource)).toEqual([
      "arn:aws:glue:us-east-1:123456789012:registry/r",
      "arn:aws:glue:us-east-1:123456789012:schema/r/s",
    ]);
    const byArn = await map("GlueClient", "GetSchemaCommand", {
      SchemaId: { SchemaArn: "arn:aws:glue:eu-west-1:111122223333:schema/r/s" },
    });
    expect(byArn.requests.map((q) => q.resource)).toContain(
      "arn:aws:glue:eu-west-1:111122223333:schema/r/s",
    );
    const table = await map("GlueClient", "CreateTableCommand", {
      DatabaseName: "d",
      TableInput: { Name: "t" },
    });
    expect(table.requests.map((q) => q.resource)).toContain(
      "arn:aws:glue:us-east-1:123456789012:table/d/t",
    );
    const statement = await first("GlueClient", "CancelStatementCommand", {
      SessionId: "s1",
      Id: 1,
    });
    expect(statement.resource).toBe("arn:aws:glue:us-east-1:123456789012:session/s1");
  });
});

describe("a tagging call acts on the one resource its ARN names", () => {
  it("Kinesis and Athena TagResource check the named resource, not every taggable type (Kinesis API reference, TagResource: the ARN of the resource to tag; Athena API reference, TagResource)", async () => {
    const stream = await map("KinesisClient", "TagResourceCommand", {
      ResourceARN: "arn:aws:kinesis:us-east-1:123456789012:stream/s1",
      Tags: { team: "a" },
    });
    expect(pairs(stream.requests)).toEqual([
      ["kinesis:TagResource", "arn:aws:kinesis:us-east-1:123456789012:stream/s1"],
    ]);
    const wg = await map("AthenaClient", "ListTagsForResourceCommand", {
      ResourceARN: "arn:aws:athena:us-east-1:123456789012:workgroup/w1",
    });
    expect(pairs(wg.requests)).toEqual([
      ["athena:ListTagsForResource", "arn:aws:athena:us-east-1:123456789012:workgroup/w1"],
    ]);
  });

  it("an ARN of no taggable type of the service leaves every type unknown, never dropped", async () => {
    const r = await map("AthenaClient", "TagResourceCommand", {
      ResourceARN: "arn:aws:sqs:us-east-1:123456789012:q",
      Tags: [],
    });
    expect(r.requests.length).toBeGreaterThan(1);
    expect(r.requests.every((q) => q.resourceParts !== undefined)).toBe(true);
  });
});

describe("parts only AWS knows are described, and a whole ARN still wins", () => {
  it("a CloudFormation stack named by name has the id CloudFormation assigned; by ARN it is exact (CloudFormation API reference, DeleteStack: StackName is the name or unique stack ID)", async () => {
    const byName = await first("CloudFormationClient", "DeleteStackCommand", { StackName: "app" });
    expect(byName.parts).toEqual([
      "arn:aws:cloudformation:us-east-1:123456789012:stack/app/",
      { unknown: "id CloudFormation assigned" },
    ]);
    const arn =
      "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d";
    const byArn = await first("CloudFormationClient", "DeleteStackCommand", { StackName: arn });
    expect(byArn).toEqual({ resource: arn, parts: undefined });
  });

  it("an EKS add-on ARN ends in a UUID EKS assigns (EKS API reference, DescribeAddon)", async () => {
    const r = await first("EKSClient", "DescribeAddonCommand", {
      clusterName: "c",
      addonName: "a",
    });
    expect(r.parts?.at(-1)).toEqual({ unknown: "id EKS assigned" });
    expect(r.resource).toBe("arn:aws:eks:us-east-1:123456789012:addon/c/a/*");
  });
});
