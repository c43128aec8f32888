import type { Call } from "../call.js";
import type { VariableValues } from "../general-rule.js";
import { read } from "../input-view.js";
import type { OperationRule, ServiceRules } from "../service-rules.js";

/**
 * Queue name, account and (for AWS hostnames) region from an SQS queue URL such as
 * `https://sqs.us-east-1.amazonaws.com/123456789012/orders`.
 */
function queueUrlVariables(url: string | undefined): VariableValues {
  if (url === undefined) return {};
  // An application sends to a few queues: each URL is parsed once (bounded, frozen).
  const cached = queueUrls.get(url);
  if (cached) return cached;
  const m = /^[a-z]+:\/\/([^/]+)\/([^/]+)\/([^/?#]+)/i.exec(url);
  if (!m) return {};
  const [, host = "", account, name] = m;
  const region =
    /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(host)?.[1] ??
    /^([a-z0-9-]+)\.queue\.amazonaws\.com/.exec(host)?.[1];
  const vars: VariableValues = Object.freeze(
    region
      ? { QueueName: name, Account: account, Region: region }
      : { QueueName: name, Account: account },
  );
  if (url.length <= 512) {
    if (queueUrls.size >= 1000) queueUrls.clear();
    queueUrls.set(url, vars);
  }
  return vars;
}

const queueUrls = new Map<string, VariableValues>();

/** Amazon SQS: the queue ARN comes from `QueueUrl`, whose path carries the owning account. @internal */
export const sqsRules: ServiceRules = {
  variables: (call) => {
    const url = call.input.string("QueueUrl");
    if (url !== undefined) return queueUrlVariables(url);
    const owner = call.input.string("QueueOwnerAWSAccountId");
    return owner ? { Account: owner } : undefined;
  },
};

/** Amazon SNS: `CreateTopic` names the topic `Name`; other calls carry `TopicArn`. @internal */
export const snsRules: ServiceRules = {
  variables: (call) => {
    const subscription = call.input.get("SubscriptionArn");
    if (subscription !== undefined && subscription !== null) {
      return topicOfSubscription(call.input.textOf(subscription, "SubscriptionArn"));
    }
    const name = call.input.string("Name");
    return name && call.operation === "CreateTopic" ? { TopicName: name } : undefined;
  },
};

/** `arn:aws:sns:us-east-1:123456789012:orders.fifo:0b5f0c4e-…`: a topic's ARN and one more segment. */
const SUBSCRIPTION_ARN =
  /^arn:(aws[a-z-]*):sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?):[A-Za-z0-9-]+$/;

/**
 * Subscription calls (Unsubscribe, Get/SetSubscriptionAttributes) are authorized on the topic
 * (Service Authorization Reference, Amazon SNS: resource type `topic`), whose ARN is the
 * subscription's without its last segment. A value in any other form leaves the topic unknown.
 */
function topicOfSubscription(arn: string | undefined): VariableValues {
  const m = arn === undefined ? null : SUBSCRIPTION_ARN.exec(arn);
  if (!m) return { TopicName: undefined };
  return { Partition: m[1]!, Region: m[2]!, Account: m[3]!, TopicName: m[4]! };
}

const EVENT_BUS_ARN = /^arn:([^:]+):events:([^:]*):([^:]*):event-bus\/(.+)$/;

/**
 * A rule lives on its bus, in the bus's account and region: `rule/<name>` on the default bus,
 * `rule/<bus>/<name>` on any other (Service Authorization Reference, Amazon EventBridge). A bus
 * given as an ARN may be another account's; an ARN of anything else leaves the call unknown.
 */
function onRule(
  call: Call,
  general: (call: Call) => void,
  operation: string,
  member: "Name" | "Rule",
): void {
  const rule = call.input.string(member);
  if (rule === undefined) {
    general(call);
    return;
  }
  const bus = call.input.string("EventBusName") ?? "default";
  if (!bus.startsWith("arn:")) {
    const path = bus === "default" ? `rule/${rule}` : `rule/${bus}/${rule}`;
    call.require(operation, { resource: call.arn("events", path) });
    return;
  }
  const m = EVENT_BUS_ARN.exec(bus);
  if (!m) {
    call.input.unreadable("EventBusName (an ARN that is not an event bus)");
    return;
  }
  const [, partition, region, account, name] = m;
  const path = name === "default" ? `rule/${rule}` : `rule/${name}/${rule}`;
  call.require(operation, { resource: `arn:${partition}:events:${region}:${account}:${path}` });
}

/** An event bus named or given as an ARN; calls that name none go to the `default` bus. */
function eventBus(call: Call, ref: string | undefined): string {
  if (ref?.startsWith("arn:")) return ref;
  return call.arn("events", `event-bus/${ref ?? "default"}`);
}

/** Amazon EventBridge: `PutEvents` entries each name their bus, `default` when they do not. @internal */
export const eventsRules: ServiceRules = {
  operations: {
    ...Object.fromEntries(
      (
        [
          ["PutRule", "Name"],
          ["DeleteRule", "Name"],
          ["DescribeRule", "Name"],
          ["EnableRule", "Name"],
          ["DisableRule", "Name"],
          ["PutTargets", "Rule"],
          ["RemoveTargets", "Rule"],
          ["ListTargetsByRule", "Rule"],
        ] as const
      ).map(([operation, member]): [string, OperationRule] => [
        operation,
        (call, general) => onRule(call, general, operation, member),
      ]),
    ),
    PutEvents: (call) => {
      const buses = new Set<string>();
      for (const entry of call.input.list(call.input.get("Entries"), "Entries", 10)) {
        buses.add(eventBus(call, call.input.textOf(read(entry, "EventBusName"), "EventBusName")));
      }
      if (buses.size === 0) buses.add(eventBus(call, undefined));
      call.require("PutEvents", { resource: [...buses] });
    },
  },
};
