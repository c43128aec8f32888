import { describe, expect, it } from "vitest";
import { map } from "./test-utils/map.js";
import type { AuthorizationResult } from "./types.js";

/** Every request of one action: its resource and whether part of it is unknown. */
function resources(result: AuthorizationResult, action: string) {
  return result.requests
    .filter((r) => r.action === action)
    .map((r) => ({ resource: r.resource, unknown: r.resourceParts !== undefined }));
}

describe("a named resource is authorized, never a bare *", () => {
  const fn = "arn:aws:lambda:us-east-1:123456789012:function:prod";
  it.each([
    ["TagResource", { Resource: fn, Tags: { team: "a" } }, "lambda:TagResource"],
    ["UntagResource", { Resource: fn, TagKeys: ["team"] }, "lambda:UntagResource"],
    ["ListTags", { Resource: fn }, "lambda:ListTags"],
  ])("Lambda %s on the function its Resource names", async (op, input, action) => {
    const r = await map("Lambda", op, input);
    expect(resources(r, action)).toEqual([{ resource: fn, unknown: false }]);
  });

  it("RDS RemoveTagsFromResource and AddTagsToResource on the ResourceName ARN", async () => {
    const db = "arn:aws:rds:us-east-1:123456789012:db:prod";
    const rm = await map("RDS", "RemoveTagsFromResource", { ResourceName: db, TagKeys: ["a"] });
    expect(resources(rm, "rds:RemoveTagsFromResource")).toEqual([{ resource: db, unknown: false }]);
    const add = await map("RDS", "AddTagsToResource", {
      ResourceName: db,
      Tags: [{ Key: "a", Value: "b" }],
    });
    expect(resources(add, "rds:AddTagsToResource")).toEqual([{ resource: db, unknown: false }]);
  });

  it("EC2 DeleteTags and CreateTags on resource ids are unknown, not *", async () => {
    for (const op of ["DeleteTags", "CreateTags"]) {
      const r = await map("EC2", op, {
        Resources: ["i-0123456789abcdef0"],
        Tags: [{ Key: "a", Value: "b" }],
      });
      const got = resources(r, `ec2:${op}`);
      expect(got.length).toBeGreaterThan(0);
      for (const g of got) expect(g.unknown).toBe(true);
    }
  });

  it("a tagging call whose resource member holds no ARN is unknown", async () => {
    const r = await map("Lambda", "TagResource", { Resource: "prod", Tags: { a: "b" } });
    const got = resources(r, "lambda:TagResource");
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(g.unknown).toBe(true);
  });
});

describe("cross-account members name the account of the ARN", () => {
  it("ECR registryId", async () => {
    const r = await map("ECR", "BatchDeleteImage", {
      registryId: "999999999999",
      repositoryName: "app",
      imageIds: [{ imageTag: "v1" }],
    });
    expect(resources(r, "ecr:BatchDeleteImage")).toEqual([
      { resource: "arn:aws:ecr:us-east-1:999999999999:repository/app", unknown: false },
    ]);
  });

  it("ECR registryId that is not an account id makes the account unknown", async () => {
    const r = await map("ECR", "BatchDeleteImage", {
      registryId: "x",
      repositoryName: "app",
      imageIds: [{ imageTag: "v1" }],
    });
    const got = resources(r, "ecr:BatchDeleteImage");
    expect(got).toEqual([{ resource: "arn:aws:ecr:us-east-1:*:repository/app", unknown: true }]);
  });

  it("ECR without registryId is the caller's account", async () => {
    const r = await map("ECR", "DeleteRepository", { repositoryName: "app" });
    expect(resources(r, "ecr:DeleteRepository")).toEqual([
      { resource: "arn:aws:ecr:us-east-1:123456789012:repository/app", unknown: false },
    ]);
  });

  it("Glue CatalogId", async () => {
    const r = await map("Glue", "DeleteTable", {
      CatalogId: "999999999999",
      DatabaseName: "sales",
      Name: "orders",
    });
    const got = resources(r, "glue:DeleteTable");
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(g.resource).toMatch(/^arn:aws:glue:us-east-1:999999999999:/);
    const db = await map("Glue", "GetDatabase", { CatalogId: "999999999999", Name: "sales" });
    for (const g of resources(db, "glue:GetDatabase"))
      expect(g.resource).toMatch(/^arn:aws:glue:us-east-1:999999999999:/);
  });

  it("Glue CatalogId that is not an account id makes the account unknown", async () => {
    const r = await map("Glue", "GetDatabase", {
      CatalogId: "999999999999:s3tablescatalog",
      Name: "sales",
    });
    const got = resources(r, "glue:GetDatabase");
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) {
      expect(g.unknown).toBe(true);
      expect(g.resource).toMatch(/^arn:aws:glue:us-east-1:\*:/);
    }
  });
});

describe("SNS subscription calls are authorized on the topic", () => {
  const sub = "arn:aws:sns:us-east-1:123456789012:prod:0b5f0c4e-1111-2222-3333-444455556666";
  it.each(["Unsubscribe", "SetSubscriptionAttributes", "GetSubscriptionAttributes"])(
    "%s",
    async (op) => {
      const input: Record<string, unknown> = { SubscriptionArn: sub };
      if (op === "SetSubscriptionAttributes")
        Object.assign(input, { AttributeName: "RawMessageDelivery", AttributeValue: "true" });
      const r = await map("SNS", op, input);
      expect(resources(r, `sns:${op}`)).toEqual([
        { resource: "arn:aws:sns:us-east-1:123456789012:prod", unknown: false },
      ]);
    },
  );

  it.each([
    "prod",
    "arn:aws:sns:us-east-1:123456789012:prod",
    "arn:aws:sns:us-east-1:123456789012:prod:a:b",
    "arn:aws:sqs:us-east-1:123456789012:prod:0b5f0c4e",
  ])("a subscription ARN %s that is not one leaves the topic unknown", async (arn) => {
    const r = await map("SNS", "Unsubscribe", { SubscriptionArn: arn });
    const got = resources(r, "sns:Unsubscribe");
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(g.unknown).toBe(true);
  });
});

describe("Lambda FunctionName forms", () => {
  const base = "arn:aws:lambda:us-east-1:123456789012:function:prod";
  it.each([
    ["prod", base],
    ["prod:live", `${base}:live`],
    ["function:prod", base],
    ["function:prod:live", `${base}:live`],
    ["123456789012:function:prod", base],
    ["us-east-1:123456789012:function:prod", base],
    ["us-west-2:function:prod", "arn:aws:lambda:us-west-2:123456789012:function:prod"],
    [base, base],
    [`${base}:$LATEST`, `${base}:$LATEST`],
    ["arn:aws:lambda:us-east-1:function:prod", base],
    [
      "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:prod",
      "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:prod",
    ],
  ])("%s", async (name, arn) => {
    const r = await map("Lambda", "DeleteFunction", { FunctionName: name });
    expect(resources(r, "lambda:DeleteFunction")).toEqual([{ resource: arn, unknown: false }]);
  });

  it.each([
    "arn:aws:lambda:us-east-1:123456789012:layer:prod",
    "a:b:c:d",
    "prod:live:extra",
    "function:",
    "arn:aws:s3:::function:prod",
    "123:function:prod",
    "123456789012:prod",
    "us-east-1:prod",
    "arn::lambda:us-east-1:123456789012:function:prod",
    "prod.x",
    "prod:",
  ])("%s is unknown", async (name) => {
    const r = await map("Lambda", "DeleteFunction", { FunctionName: name });
    const got = resources(r, "lambda:DeleteFunction");
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(g.unknown).toBe(true);
  });
});

describe("Lambda qualifiers", () => {
  it("a qualifier in the name and a different Qualifier member is unknown", async () => {
    const r = await map("Lambda", "GetFunction", { FunctionName: "prod:live", Qualifier: "dev" });
    for (const g of resources(r, "lambda:GetFunction")) expect(g.unknown).toBe(true);
  });

  it("provisioned concurrency on the partial ARN's alias", async () => {
    const r = await map("Lambda", "GetProvisionedConcurrencyConfig", {
      FunctionName: "us-east-1:123456789012:function:prod",
      Qualifier: "live",
    });
    expect(resources(r, "lambda:GetProvisionedConcurrencyConfig")).toEqual([
      { resource: "arn:aws:lambda:us-east-1:123456789012:function:prod:live", unknown: false },
    ]);
  });

  it("provisioned concurrency on an unreadable reference is unknown", async () => {
    const r = await map("Lambda", "GetProvisionedConcurrencyConfig", {
      FunctionName: "123456789012:prod",
      Qualifier: "live",
    });
    for (const g of resources(r, "lambda:GetProvisionedConcurrencyConfig"))
      expect(g.unknown).toBe(true);
  });
});

describe("a name never fills an id's place, nor an id a name's", () => {
  it("EC2 launch template by name: the lt- id AWS checks is unknown", async () => {
    for (const op of [
      "DeleteLaunchTemplate",
      "ModifyLaunchTemplate",
      "CreateLaunchTemplateVersion",
    ]) {
      const r = await map("EC2", op, { LaunchTemplateName: "prod-template" });
      const got = resources(r, `ec2:${op}`).filter((g) => g.resource.includes("launch-template"));
      expect(got.length).toBeGreaterThan(0);
      for (const g of got) {
        expect(g.unknown).toBe(true);
        expect(g.resource).not.toContain("prod-template");
      }
    }
  });

  it("EC2 launch template by id fills the id", async () => {
    const r = await map("EC2", "DeleteLaunchTemplate", {
      LaunchTemplateId: "lt-0123456789abcdef0",
    });
    expect(resources(r, "ec2:DeleteLaunchTemplate")).toEqual([
      {
        resource: "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0123456789abcdef0",
        unknown: false,
      },
    ]);
  });

  it("EC2 key pair by id: the name AWS checks is unknown", async () => {
    const r = await map("EC2", "DeleteKeyPair", { KeyPairId: "key-0123456789abcdef0" });
    const got = resources(r, "ec2:DeleteKeyPair");
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) {
      expect(g.unknown).toBe(true);
      expect(g.resource).not.toContain("key-0123456789abcdef0");
    }
  });

  it("EC2 key pair by name fills the name", async () => {
    const r = await map("EC2", "DeleteKeyPair", { KeyName: "prod-key" });
    expect(resources(r, "ec2:DeleteKeyPair")).toEqual([
      { resource: "arn:aws:ec2:us-east-1:123456789012:key-pair/prod-key", unknown: false },
    ]);
  });

  it("EC2 ModifyManagedPrefixList by name leaves the pl- id unknown", async () => {
    const r = await map("EC2", "ModifyManagedPrefixList", { PrefixListName: "corp" });
    for (const g of resources(r, "ec2:ModifyManagedPrefixList")) {
      expect(g.resource).not.toContain("corp");
    }
  });
});

describe("a bare Name names only the operation's own resource", () => {
  it("Athena CreateNamedQuery without WorkGroup is not checked on workgroup/<Name>", async () => {
    const r = await map("Athena", "CreateNamedQuery", {
      Name: "sandbox",
      Database: "db",
      QueryString: "select 1",
    });
    const got = resources(r, "athena:CreateNamedQuery");
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(g.resource).not.toMatch(/workgroup\/sandbox$/);
  });

  it("Athena CreateNamedQuery without WorkGroup is checked on the primary workgroup", async () => {
    const r = await map("Athena", "CreateNamedQuery", {
      Name: "q",
      Database: "db",
      QueryString: "select 1",
    });
    expect(resources(r, "athena:CreateNamedQuery")).toEqual([
      { resource: "arn:aws:athena:us-east-1:123456789012:workgroup/primary", unknown: false },
    ]);
  });

  it("Athena CreateNamedQuery in a named workgroup", async () => {
    const r = await map("Athena", "CreateNamedQuery", {
      Name: "q",
      WorkGroup: "sandbox",
      Database: "db",
      QueryString: "select 1",
    });
    expect(resources(r, "athena:CreateNamedQuery")).toEqual([
      { resource: "arn:aws:athena:us-east-1:123456789012:workgroup/sandbox", unknown: false },
    ]);
  });

  it("Glue GetTable is checked on its catalog, database and table only", async () => {
    const r = await map("Glue", "GetTable", { DatabaseName: "sales", Name: "orders" });
    expect(
      resources(r, "glue:GetTable")
        .map((g) => g.resource)
        .sort(),
    ).toEqual([
      "arn:aws:glue:us-east-1:123456789012:catalog",
      "arn:aws:glue:us-east-1:123456789012:database/sales",
      "arn:aws:glue:us-east-1:123456789012:table/sales/orders",
    ]);
  });
});

describe("a call naming something no ARN can be made from is unknown, not *", () => {
  it.each([
    [
      "EC2",
      "DisassociateAddress",
      { AssociationId: "eipassoc-0123456789abcdef0" },
      "ec2:DisassociateAddress",
    ],
    ["EC2", "DisassociateAddress", { PublicIp: "203.0.113.7" }, "ec2:DisassociateAddress"],
    [
      "EC2",
      "DeleteVpcEndpointConnectionNotifications",
      { ConnectionNotificationIds: ["vpce-nfn-0123"] },
      "ec2:DeleteVpcEndpointConnectionNotifications",
    ],
    ["SSM", "GetConnectionStatus", { Target: "i-0123456789abcdef0" }, "ssm:GetConnectionStatus"],
  ])("%s %s", async (service, op, input, action) => {
    const got = resources(await map(service, op, input), action);
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(g.unknown).toBe(true);
  });

  it("IAM DeleteVirtualMFADevice on the device its SerialNumber names", async () => {
    const mfa = "arn:aws:iam::123456789012:mfa/prod";
    const got = resources(
      await map("IAM", "DeleteVirtualMFADevice", { SerialNumber: mfa }),
      "iam:DeleteVirtualMFADevice",
    );
    expect(got).toEqual([{ resource: mfa, unknown: false }]);
  });

  it("a call that names nothing is on *", async () => {
    const got = resources(await map("EC2", "DescribeInstances", {}), "ec2:DescribeInstances");
    expect(got).toEqual([{ resource: "*", unknown: false }]);
  });
});

describe("a resource named inside a structure member is unknown, not *", () => {
  it.each([
    [
      "CloudFront",
      "UpdateDomainAssociation",
      { Domain: "www.example.com", TargetResource: { DistributionId: "EPROD" } },
      "cloudfront:UpdateDomainAssociation",
    ],
    [
      "CloudFront",
      "ListDomainConflicts",
      { Domain: "www.example.com", DomainControlValidationResource: { DistributionId: "EPROD" } },
      "cloudfront:ListDomainConflicts",
    ],
  ])("%s %s", async (service, op, input, action) => {
    const got = resources(await map(service, op, input), action);
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(g.unknown).toBe(true);
  });

  it("a call whose structures name nothing stays on *", async () => {
    const got = resources(
      await map("CloudFront", "ListDistributions", {}),
      "cloudfront:ListDistributions",
    );
    expect(got).toEqual([{ resource: "*", unknown: false }]);
  });
});

describe("an ARN in a member that takes a name leaves the ARN's account unknown", () => {
  const other = "999999999999";
  it.each([
    [
      "Lambda",
      "GetLayerVersion",
      { LayerName: `arn:aws:lambda:us-east-1:${other}:layer:shared`, VersionNumber: 1 },
      "lambda:GetLayerVersion",
    ],
    [
      "CloudWatchLogs",
      "GetLogEvents",
      {
        logGroupIdentifier: `arn:aws:logs:us-east-1:${other}:log-group:audit`,
        logStreamName: "s",
      },
      "logs:GetLogEvents",
    ],
  ])("%s %s", async (service, op, input, action) => {
    const got = resources(await map(service, op, input), action);
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) {
      expect(g.unknown).toBe(true);
      expect(g.resource).not.toContain("123456789012");
    }
  });
});

describe("members the API reference documents as naming the resource", () => {
  it.each([
    [
      "EKS",
      "DescribeUpdate",
      { name: "prod", updateId: "u" },
      "eks:DescribeUpdate",
      "arn:aws:eks:us-east-1:123456789012:cluster/prod",
    ],
    [
      "SSM",
      "CreateAssociation",
      { Name: "AWS-RunShellScript" },
      "ssm:CreateAssociation",
      "arn:aws:ssm:us-east-1:123456789012:document/AWS-RunShellScript",
    ],
  ])("%s %s", async (service, op, input, action, arn) => {
    const got = resources(await map(service, op, input), action);
    expect(got).toContainEqual({ resource: arn, unknown: false });
  });
});

describe("Route 53 tagging calls on the type and ids they name", () => {
  it("ChangeTagsForResource on a hosted zone", async () => {
    const r = await map("Route 53", "ChangeTagsForResource", {
      ResourceType: "hostedzone",
      ResourceId: "Z123",
      AddTags: [{ Key: "a", Value: "b" }],
    });
    expect(resources(r, "route53:ChangeTagsForResource")).toEqual([
      { resource: "arn:aws:route53:::hostedzone/Z123", unknown: false },
    ]);
  });

  it("ListTagsForResources on each health check", async () => {
    const r = await map("Route 53", "ListTagsForResources", {
      ResourceType: "healthcheck",
      ResourceIds: ["a1", "b2"],
    });
    expect(resources(r, "route53:ListTagsForResources")).toEqual([
      { resource: "arn:aws:route53:::healthcheck/a1", unknown: false },
      { resource: "arn:aws:route53:::healthcheck/b2", unknown: false },
    ]);
  });

  it.each([
    { ResourceType: "other", ResourceId: "Z123" },
    { ResourceType: "hostedzone", ResourceId: "/hostedzone/Z123" },
  ])("%o is unknown", async (input) => {
    const got = resources(
      await map("Route 53", "ListTagsForResource", input),
      "route53:ListTagsForResource",
    );
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(g.unknown).toBe(true);
  });
});

describe("a name never fills an identifier AWS generates", () => {
  it("RDS CreateBlueGreenDeployment's name is not the bgd- id of its ARN", async () => {
    const r = await map("RDS", "CreateBlueGreenDeployment", {
      BlueGreenDeploymentName: "prod-upgrade",
      Source: "arn:aws:rds:us-east-1:123456789012:db:prod",
    });
    const got = resources(r, "rds:CreateBlueGreenDeployment").filter((g) =>
      g.resource.includes(":deployment:"),
    );
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) {
      expect(g.unknown).toBe(true);
      expect(g.resource).not.toContain("prod-upgrade");
    }
  });
});

describe("an EventBridge rule lives on its bus, in the bus's account", () => {
  it.each([
    ["PutRule", { Name: "r" }, "arn:aws:events:us-east-1:123456789012:rule/r"],
    [
      "PutRule",
      { Name: "r", EventBusName: "orders" },
      "arn:aws:events:us-east-1:123456789012:rule/orders/r",
    ],
    [
      "PutRule",
      { Name: "r", EventBusName: "arn:aws:events:eu-west-1:999999999999:event-bus/shared" },
      "arn:aws:events:eu-west-1:999999999999:rule/shared/r",
    ],
    [
      "DeleteRule",
      { Name: "r", EventBusName: "arn:aws:events:us-east-1:999999999999:event-bus/default" },
      "arn:aws:events:us-east-1:999999999999:rule/r",
    ],
    [
      "PutTargets",
      {
        Rule: "r",
        EventBusName: "arn:aws:events:us-east-1:999999999999:event-bus/shared",
        Targets: [],
      },
      "arn:aws:events:us-east-1:999999999999:rule/shared/r",
    ],
  ])("%s %j", async (op, input, resource) => {
    const r = await map("EventBridge", op, input);
    expect(r.known).toBe(true);
    expect(resources(r, `events:${op}`)).toEqual([{ resource, unknown: false }]);
  });

  it("an ARN of anything but a bus makes the call unknown", async () => {
    const r = await map("EventBridge", "PutRule", {
      Name: "r",
      EventBusName: "arn:aws:sqs:us-east-1:999999999999:queue",
    });
    expect(r.known).toBe(false);
  });
});

describe("a create-with-tags call's tag action is on the new resource", () => {
  it("CloudFront CreateDistributionWithTags: TagResource on the distribution CloudFront creates", async () => {
    const r = await map("CloudFront", "CreateDistributionWithTags", {
      DistributionConfigWithTags: {
        DistributionConfig: { CallerReference: "c", Comment: "", Enabled: true },
        Tags: { Items: [{ Key: "team", Value: "web" }] },
      },
    });
    expect(r.known).toBe(true);
    expect(resources(r, "cloudfront:TagResource")).toEqual([
      { resource: "arn:aws:cloudfront::123456789012:distribution/*", unknown: true },
    ]);
    expect(resources(r, "cloudfront:CreateDistribution").length).toBe(1);
  });
});

describe("resources a call creates that the reference marks optional", () => {
  it("EC2 RunInstances is also authorized on the root volume EC2 creates (unknown id)", async () => {
    const r = await map("EC2", "RunInstances", { ImageId: "ami-1", MinCount: 1, MaxCount: 1 });
    expect(resources(r, "ec2:RunInstances")).toContainEqual({
      resource: "arn:aws:ec2:us-east-1:123456789012:volume/*",
      unknown: true,
    });
    const volume = r.requests.find((q) => q.resource.includes(":volume/"));
    // The volume's own keys: its encryption comes from the image, which only AWS knows.
    expect(volume?.unknownContext).toContain("ec2:Encrypted");
    // Not the instance's keys.
    expect(volume?.unknownContext).not.toContain("ec2:InstanceType");
  });
});
