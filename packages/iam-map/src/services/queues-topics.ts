import type { VariableValues } from "../general-rule.js";
import type { ServiceRules } from "../service-rules.js";

/**
 * Queue name, account and (for AWS hostnames) region from an SQS queue URL such as
 * `https://sqs.us-east-1.amazonaws.com/123456789012/orders`.
 */
function queueUrlVariables(url: string | undefined): VariableValues {
  if (url === undefined) return {};
  const m = /^[a-z]+:\/\/([^/]+)\/([^/]+)\/([^/?#]+)/i.exec(url);
  if (!m) return {};
  const [, host = "", account, name] = m;
  const region =
    /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(host)?.[1] ??
    /^([a-z0-9-]+)\.queue\.amazonaws\.com/.exec(host)?.[1];
  return { QueueName: name, Account: account, ...(region ? { Region: region } : {}) };
}

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
    const name = call.input.string("Name");
    return name && call.operation === "CreateTopic" ? { TopicName: name } : undefined;
  },
};
