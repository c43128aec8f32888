import type { ServiceRules } from "./service-rules.js";
import { apiGatewayRules } from "./services/api-gateway.js";
import { athenaRules } from "./services/athena.js";
import { ecrRules } from "./services/cross-account.js";
import { dynamodbRules } from "./services/dynamodb.js";
import { ecsRules, route53Rules } from "./services/ecs-route53.js";
import { glueRules } from "./services/glue.js";
import { kmsRules, lambdaRules, stsRules } from "./services/lambda-kms-sts.js";
import { eventsRules, snsRules, sqsRules } from "./services/queues-topics.js";
import { s3Rules } from "./services/s3.js";
import { secretsManagerRules, ssmRules } from "./services/secrets-parameters.js";
import { cloudfrontRules, ec2Rules, elasticacheRules, rdsRules } from "./services/tag-on-create.js";

/** Curated rules by IAM prefix: where AWS authorizes differently from the general rule. @internal */
export const serviceRules: Readonly<Record<string, ServiceRules>> = {
  s3: s3Rules,
  dynamodb: dynamodbRules,
  sqs: sqsRules,
  sns: snsRules,
  lambda: lambdaRules,
  kms: kmsRules,
  sts: stsRules,
  secretsmanager: secretsManagerRules,
  ssm: ssmRules,
  apigateway: apiGatewayRules,
  events: eventsRules,
  ecs: ecsRules,
  route53: route53Rules,
  ec2: ec2Rules,
  rds: rdsRules,
  elasticache: elasticacheRules,
  glue: glueRules,
  ecr: ecrRules,
  athena: athenaRules,
  cloudfront: cloudfrontRules,
};
