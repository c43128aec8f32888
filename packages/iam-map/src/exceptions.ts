/**
 * Where AWS departs from the general rule, as data. The general rule says: the IAM prefix is the
 * SigV4 signing name, and the action is named after the operation. Each entry below says why it
 * differs. Operations that need more than a rename (several actions, actions chosen by input,
 * resources from unusual members) are rules in `services/*.ts` instead.
 */

/**
 * SigV4 signing names (and the odd endpoint prefix) that are not the IAM prefix. `null` means the
 * service has no entry in the IAM reference, so its calls cannot be mapped.
 * @internal
 */
export const signingNameExceptions: Readonly<Record<string, string | null>> = {
  // CloudWatch signs as its historical endpoint name; its actions are `cloudwatch:*`.
  monitoring: "cloudwatch",
  // Cloud Control API resource operations are authorized as CloudFormation actions.
  cloudcontrolapi: "cloudformation",
  // The IoT data plane (MQTT publish, shadows) is authorized under `iot:`.
  iotdata: "iot",
  // Secure tunneling operations are `iot:OpenTunnel`, `iot:CloseTunnel`, ….
  iotsecuredtunneling: "iot",
  // IoT Jobs data plane: the IAM prefix drops the dashes.
  "iot-jobs-data": "iotjobsdata",
  // IoT Events data plane: `iotevents:BatchPutMessage`, ….
  ioteventsdata: "iotevents",
  // Mechanical Turk's IAM prefix is the product name.
  "mturk-requester": "mechanicalturk",
  // Resource Groups Tagging API actions are `tag:GetResources`, ….
  tagging: "tag",
  // SSO portal operations are sent with a bearer token and unsigned; the prefix is only nominal.
  awsssoportal: "sso",
  // The PartnerCentral APIs share one IAM prefix.
  "partnercentral-account": "partnercentral",
  "partnercentral-benefits": "partnercentral",
  "partnercentral-channel": "partnercentral",
  "partnercentral-selling": "partnercentral",
  // Retired services with no IAM reference entry.
  "application-cost-profiler": null,
  iotthingsgraph: null,
};

/**
 * Operations whose IAM action has another name, keyed by IAM prefix then operation. A value is an
 * action of the same prefix, `prefix:Action` for another prefix, or a list when AWS checks several.
 * @internal
 */
export const operationActionExceptions: Readonly<
  Record<string, Readonly<Record<string, string | readonly string[]>>>
> = {
  s3: {
    // Multipart uploads are authorized as the write they complete.
    CompleteMultipartUpload: "PutObject",
    CreateMultipartUpload: "PutObject",
    UploadPart: "PutObject",
    // S3 Express One Zone sessions belong to the `s3express` prefix.
    CreateSession: "s3express:CreateSession",
    ListDirectoryBuckets: "s3express:ListAllMyDirectoryBuckets",
    // Object Lambda access points answer through their own prefix.
    WriteGetObjectResponse: "s3-object-lambda:WriteGetObjectResponse",
    // Deleting a bucket sub-resource is authorized as writing it.
    DeleteBucketAnalyticsConfiguration: "PutAnalyticsConfiguration",
    DeleteBucketCors: "PutBucketCORS",
    DeleteBucketEncryption: "PutEncryptionConfiguration",
    DeleteBucketIntelligentTieringConfiguration: "PutIntelligentTieringConfiguration",
    DeleteBucketInventoryConfiguration: "PutInventoryConfiguration",
    DeleteBucketLifecycle: "PutLifecycleConfiguration",
    DeleteBucketMetricsConfiguration: "PutMetricsConfiguration",
    DeleteBucketOwnershipControls: "PutBucketOwnershipControls",
    DeleteBucketReplication: "PutReplicationConfiguration",
    DeleteBucketTagging: "PutBucketTagging",
    DeletePublicAccessBlock: "PutBucketPublicAccessBlock",
    // Bucket configuration reads and writes use the configuration's name, not the API's.
    GetBucketAccelerateConfiguration: "GetAccelerateConfiguration",
    PutBucketAccelerateConfiguration: "PutAccelerateConfiguration",
    GetBucketAnalyticsConfiguration: "GetAnalyticsConfiguration",
    PutBucketAnalyticsConfiguration: "PutAnalyticsConfiguration",
    ListBucketAnalyticsConfigurations: "GetAnalyticsConfiguration",
    GetBucketEncryption: "GetEncryptionConfiguration",
    PutBucketEncryption: "PutEncryptionConfiguration",
    GetBucketIntelligentTieringConfiguration: "GetIntelligentTieringConfiguration",
    PutBucketIntelligentTieringConfiguration: "PutIntelligentTieringConfiguration",
    ListBucketIntelligentTieringConfigurations: "GetIntelligentTieringConfiguration",
    GetBucketInventoryConfiguration: "GetInventoryConfiguration",
    PutBucketInventoryConfiguration: "PutInventoryConfiguration",
    ListBucketInventoryConfigurations: "GetInventoryConfiguration",
    GetBucketLifecycle: "GetLifecycleConfiguration",
    GetBucketLifecycleConfiguration: "GetLifecycleConfiguration",
    PutBucketLifecycle: "PutLifecycleConfiguration",
    PutBucketLifecycleConfiguration: "PutLifecycleConfiguration",
    GetBucketMetricsConfiguration: "GetMetricsConfiguration",
    PutBucketMetricsConfiguration: "PutMetricsConfiguration",
    ListBucketMetricsConfigurations: "GetMetricsConfiguration",
    GetBucketNotificationConfiguration: "GetBucketNotification",
    PutBucketNotificationConfiguration: "PutBucketNotification",
    GetBucketReplication: "GetReplicationConfiguration",
    PutBucketReplication: "PutReplicationConfiguration",
    GetObjectLockConfiguration: "GetBucketObjectLockConfiguration",
    PutObjectLockConfiguration: "PutBucketObjectLockConfiguration",
    GetPublicAccessBlock: "GetBucketPublicAccessBlock",
    PutPublicAccessBlock: "PutBucketPublicAccessBlock",
    // S3 Metadata: the API says "MetadataConfiguration", IAM says "MetadataTableConfiguration".
    CreateBucketMetadataConfiguration: "CreateBucketMetadataTableConfiguration",
    GetBucketMetadataConfiguration: "GetBucketMetadataTableConfiguration",
    DeleteBucketMetadataConfiguration: "DeleteBucketMetadataTableConfiguration",
    UpdateBucketMetadataInventoryTableConfiguration:
      "UpdateBucketMetadataInventoryTableConfiguration",
    // Listing calls are authorized on the bucket.
    ListBuckets: "ListAllMyBuckets",
    ListMultipartUploads: "ListBucketMultipartUploads",
    ListObjectVersions: "ListBucketVersions",
    ListParts: "ListMultipartUploadParts",
    // HeadBucket checks that the caller may list the bucket.
    HeadBucket: "ListBucket",
    // S3 Select reads the object.
    SelectObjectContent: "GetObject",
  },
  sqs: {
    // Batch calls are authorized as the single-message action on the queue.
    ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
    DeleteMessageBatch: "DeleteMessage",
    SendMessageBatch: "SendMessage",
  },
  sns: {
    // A batch publish is a publish.
    PublishBatch: "Publish",
  },
  lambda: {
    // `Invoke` is `lambda:InvokeFunction`; response streaming too.
    Invoke: "InvokeFunction",
    InvokeWithResponseStream: "InvokeFunction",
    // Reading a layer version by ARN is `GetLayerVersion` on that ARN.
    GetLayerVersionByArn: "GetLayerVersion",
  },
  glue: {
    // Lake Formation's unfiltered reads are authorized as the plain catalog reads.
    GetUnfilteredTableMetadata: "GetTable",
    GetUnfilteredPartitionMetadata: "GetPartition",
    GetUnfilteredPartitionsMetadata: "GetPartitions",
    // The batch form of a data-quality read or annotation is the single form.
    BatchGetDataQualityResult: "GetDataQualityResult",
    BatchPutDataQualityStatisticAnnotation: "PutDataQualityStatisticAnnotation",
  },
  cloudfront: {
    // Creating with tags is a create plus a tag.
    CreateDistributionWithTags: ["CreateDistribution", "TagResource"],
  },
  "execute-api": {
    // The API Gateway Management API (WebSocket connections) is one action.
    PostToConnection: "ManageConnections",
    GetConnection: "ManageConnections",
    DeleteConnection: "ManageConnections",
  },
};

/**
 * ARN template variables filled from input members whose names the general rule would not guess
 * (it tries the variable, the variable without `Name`/`Id`, and `Id`/`Name`/`Identifier`/`Arn`
 * and plural forms).
 * @internal
 */
export const variableSynonyms: Readonly<Record<string, readonly string[]>> = {
  // S3 object keys are the `Key` member.
  ObjectName: ["Key"],
  // RDS names instances and clusters with `DBInstanceIdentifier` / `DBClusterIdentifier`.
  DbInstanceName: ["DBInstanceIdentifier"],
  DbClusterInstanceName: ["DBClusterIdentifier"],
  // CloudFront distribution calls name the distribution `Id` (CloudFront API reference).
  DistributionId: ["Id"],
  // EC2 names security groups `GroupId` / `GroupIds` (EC2 API reference).
  SecurityGroupId: ["GroupId", "GroupIds"],
  // Systems Manager maintenance windows are `WindowId` (Systems Manager API reference).
  ResourceId: ["WindowId"],
  // Lambda layer versions are `VersionNumber` (Lambda API reference, GetLayerVersion).
  LayerVersion: ["VersionNumber"],
};
