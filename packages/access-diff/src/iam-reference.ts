import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from "@keycard/iam-reference";

/** A resource type an action can target, with a matcher for its ARN format. @internal */
export interface ResourceTypeInfo {
  name: string;
  /** ARN format from the service reference, for example `arn:${Partition}:s3:::${BucketName}`. */
  format: string;
  matcher: RegExp;
  /** An ARN of this type that names no real resource: the out-of-pattern probe. */
  probe: string;
}

/** What the IAM reference says about one action. @internal */
export interface ActionInfo {
  /** `service:Action` in canonical casing. */
  name: string;
  service: string;
  accessLevel: string;
  resourceTypes: ResourceTypeInfo[];
  conditionKeys: string[];
}

/** Placeholder values for ARN formats; the account is the documentation account. @internal */
export const PROBE = {
  partition: "aws",
  region: "us-east-1",
  account: "123456789012",
  name: "keycard-probe",
} as const;

const actionsByService = new Map<string, Promise<ActionInfo[]>>();

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, (c) => `\\${c}`);
}

/**
 * Compiles an ARN format: `${…}` in the first five components matches within the component;
 * later, up to the next literal character; at the end, anything for paths and keys and a
 * single path segment otherwise.
 * @internal
 */
export function arnFormatMatcher(format: string): RegExp {
  const parts = format.split(/(\$\{[^}]+\})/);
  let source = "";
  let colons = 0;
  for (const [k, part] of parts.entries()) {
    if (part.startsWith("${")) {
      if (colons < 5) source += "[^:]*";
      else {
        const next = parts[k + 1]?.[0];
        // A trailing name holds no "/" (a bucket, a table) unless it is a path or object key.
        const pathLike = /path|object|key|prefix|id$/i.test(part);
        source += next !== undefined ? `[^${escapeRegex(next)}]+` : pathLike ? ".+" : "[^/]+";
      }
    } else {
      source += escapeRegex(part);
      colons += part.split(":").length - 1;
    }
  }
  return new RegExp(`^${source}$`, "s");
}

function probeArn(format: string): string {
  return format.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    const lower = name.toLowerCase();
    if (lower === "partition") return PROBE.partition;
    if (lower === "region") return PROBE.region;
    if (lower === "account") return PROBE.account;
    return PROBE.name;
  });
}

async function loadService(service: string): Promise<ActionInfo[]> {
  if (!(await iamServiceExists(service))) return [];
  const resourceTypes = new Map<string, ResourceTypeInfo | undefined>();
  const resourceType = async (name: string) => {
    if (!resourceTypes.has(name)) {
      try {
        const details = await iamResourceTypeDetails(service, name);
        resourceTypes.set(name, {
          name,
          format: details.arn,
          matcher: arnFormatMatcher(details.arn),
          probe: probeArn(details.arn),
        });
      } catch {
        resourceTypes.set(name, undefined);
      }
    }
    return resourceTypes.get(name);
  };
  const infos: ActionInfo[] = [];
  for (const name of await iamActionsForService(service)) {
    const details = await iamActionDetails(service, name);
    const types: ResourceTypeInfo[] = [];
    for (const rt of details.resourceTypes) {
      const info = await resourceType(rt.name);
      if (info) types.push(info);
    }
    infos.push({
      name: `${service}:${details.name}`,
      service,
      accessLevel: details.accessLevel,
      resourceTypes: types,
      conditionKeys: details.conditionKeys,
    });
  }
  return infos;
}

/** Every action of a service, from the IAM reference; empty for unknown services. @internal */
export function serviceActions(service: string): Promise<ActionInfo[]> {
  const key = service.toLowerCase();
  let pending = actionsByService.get(key);
  if (!pending) {
    pending = loadService(key);
    actionsByService.set(key, pending);
  }
  return pending;
}

const indexes = new Map<string, Map<string, ActionInfo>>();

/** One action's reference entry, or undefined when IAM does not know it. @internal */
export async function actionInfo(action: string): Promise<ActionInfo | undefined> {
  const service = action.slice(0, Math.max(0, action.indexOf(":"))).toLowerCase();
  let index = indexes.get(service);
  if (!index) {
    index = new Map((await serviceActions(service)).map((a) => [a.name.toLowerCase(), a]));
    indexes.set(service, index);
  }
  return index.get(action.toLowerCase());
}
