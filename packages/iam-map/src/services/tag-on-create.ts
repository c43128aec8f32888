import { type InputView, isRecord, items, read, safeKeys } from "../input-view.js";
import { tagContext } from "../request-tags.js";
import type { OperationRule, ServiceRules } from "../service-rules.js";
import { markedResource, unknownPart } from "../unknown-part.js";

/**
 * Amazon EC2: a create call that carries `TagSpecifications` is also authorized as `ec2:CreateTags`
 * on each resource it tags, with `ec2:CreateAction` and the request tags (EC2 User Guide, "Grant
 * permission to tag Amazon EC2 resources during creation"). The new resource's id is assigned by
 * EC2, so it is an unknown part.
 * @internal
 */
export const ec2Rules: ServiceRules = {
  // EC2 sets it only when a create call tags what it creates, which the rule below maps.
  decidedKeys: () => ["ec2:CreateAction"],
  // The Region the call goes to (EC2 User Guide, "Condition keys for Amazon EC2": ec2:Region).
  variables: (call) => {
    if (call.region !== undefined) call.callContext["ec2:Region"] = call.region;
    return undefined;
  },
  operation: (name, _sdkId, hasGeneral) => (hasGeneral ? ec2TagOnCreate(name) : undefined),
};

function ec2TagOnCreate(name: string): OperationRule {
  return (call, general) => {
    // A launch template may tag what the call creates (EC2 User Guide, "IAM permissions
    // required for Amazon EC2 launch templates": its users need permission to create and tag
    // the resources it specifies): the request tags are not all in the input, and CreateTags
    // may be checked.
    const template = LAUNCHES.has(name) && namesLaunchTemplate(call.input);
    if (template) call.tagsElsewhere = true;
    general(call);
    if (template) {
      call.mayNeed("CreateTags", {
        resource: call.arn("ec2", `instance/${unknownPart("id EC2 assigns to the new instance")}`),
        context: { "ec2:CreateAction": name },
      });
    }
    // An instance from an EBS-backed image (nearly all) gets a root volume EC2 creates, and AWS
    // authorizes RunInstances on it (EC2 User Guide, "Example policies for working with the
    // EC2 API": RunInstances policies name `volume/*`); the reference marks the type optional,
    // so the general rule does not add it. Its attributes are the image's, so its keys are
    // unknown unless given.
    if (name === "RunInstances") {
      call.require("RunInstances", {
        resource: call.arn("ec2", `volume/${unknownPart("id EC2 assigns to the new volume")}`),
        resourceType: "volume",
      });
    }
    const types = new Set<string>();
    const specs = call.input.list(call.input.get("TagSpecifications"), "TagSpecifications", 50);
    for (const spec of specs) {
      if (!isRecord(spec) || items(read(spec, "Tags"), 1).length === 0) continue;
      const type = call.input.textOf(read(spec, "ResourceType"), "TagSpecifications.ResourceType");
      types.add(type ?? "");
    }
    const createTags = call.action("CreateTags");
    for (const type of types) {
      // The type's own ARN format: images and snapshots have no account, IPAM resources no
      // Region.
      const format = createTags?.resourceTypes.find((t) => t.name === type)?.templates[0]?.raw;
      const region = format !== undefined && !format.includes("${Region}") ? "" : undefined;
      const account = format !== undefined && !format.includes("${Account}") ? "" : undefined;
      const resource = type
        ? call.arn(
            "ec2",
            `${type}/${unknownPart(`id EC2 assigns to the new ${type}`)}`,
            region,
            account,
          )
        : call.arn("ec2", unknownPart("resource the call creates"));
      call.require("CreateTags", { resource, context: { "ec2:CreateAction": name } });
    }
  };
}

/** Operations that launch instances, possibly from a launch template. */
const LAUNCHES: ReadonlySet<string> = new Set(["RunInstances", "CreateFleet", "RequestSpotFleet"]);

/**
 * Whether the call launches from a launch template: `LaunchTemplate` (`RunInstances`),
 * `LaunchTemplateConfigs` (`CreateFleet`), or either inside a structure (`RequestSpotFleet`'s
 * `SpotFleetRequestConfig`).
 */
function namesLaunchTemplate(input: InputView): boolean {
  const lowers = input.lowerKeys();
  const values = input.memberValues();
  for (let i = 0; i < lowers.length; i++) {
    const value = values[i];
    if (value === undefined || value === null) continue;
    if (lowers[i]!.startsWith("launchtemplate")) return true;
    if (!isRecord(value)) continue;
    for (const key of safeKeys(value))
      if (key.toLowerCase().startsWith("launchtemplate") && read(value, key) != null) return true;
  }
  return false;
}

/**
 * RDS and ElastiCache: a create call with `Tags` is also authorized as `AddTagsToResource` on the
 * resource it creates (RDS User Guide, "Granting permission to tag Amazon RDS resources during
 * creation"; ElastiCache User Guide, "Using tag-based access control").
 */
function addTagsOnCreate(name: string): OperationRule | undefined {
  if (!name.startsWith("Create") && !name.startsWith("Copy") && !name.startsWith("Restore")) {
    return undefined;
  }
  return (call, general) => {
    general(call);
    if (items(call.input.get("Tags"), 1).length === 0) return;
    const created = call.requests
      .filter((q) => q.action.toLowerCase() === `${call.prefix}:${name}`.toLowerCase())
      .map((q) => markedResource(q));
    for (const resource of new Set(created)) call.require("AddTagsToResource", { resource });
  };
}

/** @internal */
export const rdsRules: ServiceRules = {
  operation: (name, _sdkId, hasGeneral) => (hasGeneral ? addTagsOnCreate(name) : undefined),
};

/** @internal */
export const elasticacheRules: ServiceRules = rdsRules;

/**
 * Amazon CloudFront: `CreateDistributionWithTags` is authorized as `CreateDistribution` and as
 * `TagResource` on the new distribution, whose id CloudFront assigns (CloudFront Developer
 * Guide, "Tagging Amazon CloudFront distributions"): an unknown part, never `*`.
 * @internal
 */
export const cloudfrontRules: ServiceRules = {
  operations: {
    CreateDistributionWithTags: (call) => {
      const tags = tagContext(
        call.input,
        read(call.input.get("DistributionConfigWithTags"), "Tags"),
        "DistributionConfigWithTags.Tags",
      );
      for (const key of tags.unknown) call.unknownContext.push(key);
      call.require("CreateDistribution", { context: tags.context });
      const id = unknownPart("id CloudFront assigns to the new distribution");
      call.require("TagResource", {
        resource: call.arn("cloudfront", `distribution/${id}`, ""),
        context: tags.context,
      });
    },
  },
};
