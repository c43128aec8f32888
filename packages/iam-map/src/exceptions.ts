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
 * and plural forms, and `<type>Id` for a bare `Id`). Keys are `Variable` for every service,
 * `prefix:Variable` for one service and `prefix:Operation:Variable` for one operation; each entry
 * follows the named API reference's request members.
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
  // CloudFront API reference, AssociateAlias: `TargetDistributionId`.
  "cloudfront:AssociateAlias:DistributionId": ["TargetDistributionId"],
  // EC2 names security groups `GroupId` / `GroupIds` (EC2 API reference).
  SecurityGroupId: ["GroupId", "GroupIds"],
  // EC2 API reference: DeleteNetworkAcl `NetworkAclId`, CreateKeyPair `KeyName`, ModifyHosts
  // `HostIds`, DeleteVpcEndpointServiceConfigurations `ServiceIds`, DeleteCoipPool `CoipPoolId`,
  // DeletePublicIpv4Pool `PoolId`, DeleteFlowLogs `FlowLogIds`.
  "ec2:NaclId": ["NetworkAclId"],
  "ec2:KeyPairName": ["KeyName"],
  "ec2:DedicatedHostId": ["HostIds", "HostId"],
  "ec2:VpcEndpointServiceId": ["ServiceId", "ServiceIds"],
  "ec2:Ipv4PoolCoipId": ["CoipPoolId", "PoolId"],
  "ec2:Ipv4PoolEc2Id": ["PoolId"],
  "ec2:VpcFlowLogId": ["FlowLogIds"],
  // EC2 API reference: CreatePlacementGroup / DeletePlacementGroup `GroupName`.
  "ec2:CreatePlacementGroup:PlacementGroupName": ["GroupName"],
  "ec2:DeletePlacementGroup:PlacementGroupName": ["GroupName"],
  // EC2 API reference: EnableVgwRoutePropagation / DisableVgwRoutePropagation `GatewayId`.
  "ec2:EnableVgwRoutePropagation:VpnGatewayId": ["GatewayId"],
  "ec2:DisableVgwRoutePropagation:VpnGatewayId": ["GatewayId"],
  // EC2 API reference: EnableFastSnapshotRestores / DisableFastSnapshotRestores `SourceSnapshotIds`.
  "ec2:EnableFastSnapshotRestores:SnapshotId": ["SourceSnapshotIds"],
  "ec2:DisableFastSnapshotRestores:SnapshotId": ["SourceSnapshotIds"],
  // EC2 API reference: CancelDeclarativePoliciesReport, GetDeclarativePoliciesReportSummary,
  // DeleteImageUsageReport `ReportId`.
  "ec2:DeclarativePoliciesReportId": ["ReportId"],
  "ec2:ImageUsageReportId": ["ReportId"],
  // Systems Manager API reference: maintenance windows are `WindowId`, OpsItems `OpsItemId`,
  // patch baselines `BaselineId`.
  "ssm:ResourceId": ["WindowId", "OpsItemId"],
  "ssm:PatchBaselineIdResourceId": ["BaselineId"],
  // Systems Manager API reference: CreateAssociation / UpdateAssociationStatus `Name` is the
  // document's.
  "ssm:CreateAssociation:DocumentName": ["Name"],
  "ssm:UpdateAssociationStatus:DocumentName": ["Name"],
  // EKS API reference: DescribeUpdate / ListUpdates / CancelUpdate `name` is the cluster's.
  "eks:DescribeUpdate:ClusterName": ["name"],
  "eks:ListUpdates:ClusterName": ["name"],
  "eks:CancelUpdate:ClusterName": ["name"],
  // RDS API reference, PurchaseReservedDBInstancesOffering: `ReservedDBInstanceId` is the
  // customer-specified identifier the `ri:` ARN holds.
  "rds:ReservedDbInstanceName": ["ReservedDBInstanceId"],
  // Lambda layer versions are `VersionNumber` (Lambda API reference, GetLayerVersion).
  LayerVersion: ["VersionNumber"],
  // IAM API reference, GetServerCertificate: `ServerCertificateName`.
  "iam:CertificateName": ["ServerCertificateName"],
  // Glue API reference: GetUserDefinedFunction `FunctionName`, GetDevEndpoint `EndpointName`,
  // GetUsageProfile `Name`, GetSession `Id`, BatchGetBlueprints / BatchGetWorkflows `Names`,
  // BatchDeleteConnection `ConnectionNameList`, BatchDeleteTable `TablesToDelete`.
  "glue:UserDefinedFunctionName": ["FunctionName"],
  "glue:DevEndpointName": ["EndpointName"],
  "glue:UsageProfileId": ["Name"],
  "glue:CreateSession:SessionId": ["Id"],
  "glue:DeleteSession:SessionId": ["Id"],
  "glue:GetSession:SessionId": ["Id"],
  "glue:StopSession:SessionId": ["Id"],
  "glue:BatchGetBlueprints:BlueprintName": ["Names"],
  "glue:BatchGetWorkflows:WorkflowName": ["Names"],
  "glue:BatchDeleteConnection:ConnectionName": ["ConnectionNameList"],
  "glue:BatchDeleteTable:TableName": ["TablesToDelete"],
  // CloudWatch Logs API reference: CreateLogAnomalyDetector `logGroupArnList`, StartLiveTail
  // `logGroupIdentifiers`, GetDelivery `id`, GetScheduledQuery `identifier`.
  "logs:LogGroupName": ["logGroupArnList", "logGroupIdentifiers"],
  "logs:DeliveryName": ["id"],
  "logs:ScheduledQueryId": ["identifier"],
  // CloudWatch API reference: EnableInsightRules `RuleNames`, StartMetricStreams `Names`.
  "cloudwatch:InsightRuleName": ["RuleNames", "RuleName"],
  "cloudwatch:MetricStreamName": ["Names"],
  // RDS API reference, DeleteDBCluster: the final snapshot is `FinalDBSnapshotIdentifier`.
  "rds:DeleteDBCluster:ClusterSnapshotName": ["FinalDBSnapshotIdentifier"],
  // Glue API reference, DeleteDatabase: the database is `Name`.
  "glue:DeleteDatabase:DatabaseName": ["Name"],
  // Systems Manager API reference, GetCalendarState: `CalendarNames`.
  "ssm:GetCalendarState:DocumentName": ["CalendarNames"],
  // Route 53 API reference, ListCidrBlocks / ListCidrLocations: `CollectionId`.
  "route53:ListCidrBlocks:Id": ["CollectionId"],
  "route53:ListCidrLocations:Id": ["CollectionId"],
};

/**
 * Prefixes a service puts before its members' names: RDS says `DBSubnetGroupName` and
 * `DBSnapshotIdentifier` where the ARN says `SubnetGroupName` and `SnapshotName` (RDS API
 * reference).
 * @internal
 */
export const memberPrefixes: Readonly<Record<string, readonly string[]>> = {
  rds: ["DB"],
};

/**
 * ARN variables no request can name, because AWS assigns them (a stack's id) or resolves them from
 * what the request names (the execution behind a callback id), in words for `resourceParts`.
 * Keys as in {@link variableSynonyms}. A request that gives the whole ARN still matches it whole.
 * @internal
 */
export const assignedParts: Readonly<Record<string, string>> = {
  // CloudFormation User Guide: stack, change set and stack set ARNs end in an id CloudFormation
  // generates; calls name them by name (or by the whole ARN).
  "cloudformation:Id": "id CloudFormation assigned",
  // EKS API reference: add-on, node group, Fargate profile, … ARNs end in a UUID EKS generates.
  "eks:UUID": "id EKS assigned",
  // Kinesis API reference, RegisterStreamConsumer: the consumer ARN ends in its creation time.
  "kinesis:ConsumerCreationTimpstamp": "consumer creation time",
  // RDS API reference: shard groups, tenant databases and custom engine versions are named by
  // name; their ARN holds a resource id RDS generates.
  "rds:DbShardGroupResourceId": "resource id RDS assigned",
  "rds:TenantResourceId": "resource id RDS assigned",
  "rds:CustomDbEngineVersionId": "resource id RDS assigned",
  // RDS API reference, CreateBlueGreenDeployment / CreateIntegration: the deployment's `bgd-` id
  // and the integration's id are generated; the request names only their names.
  "rds:BlueGreenDeploymentIdentifier": "id RDS assigned",
  "rds:CreateIntegration:IntegrationIdentifier": "id RDS assigned",
  // Lambda API reference, SendDurableExecutionCallbackSuccess: only the callback id is sent.
  "lambda:SendDurableExecutionCallbackSuccess:Version": "function version of the callback",
  "lambda:SendDurableExecutionCallbackFailure:Version": "function version of the callback",
  "lambda:SendDurableExecutionCallbackHeartbeat:Version": "function version of the callback",
  // CloudFront API reference: these look a resource up by domain or routing endpoint.
  "cloudfront:GetDistributionTenantByDomain:Id": "distribution tenant of the domain",
  "cloudfront:GetConnectionGroupByRoutingEndpoint:Id": "connection group of the routing endpoint",
  // Systems Manager API reference: CancelMaintenanceWindowExecution names the execution,
  // GetAccessToken the access request.
  "ssm:CancelMaintenanceWindowExecution:ResourceId": "maintenance window of the execution",
  "ssm:GetAccessToken:ResourceId": "OpsItem of the access request",
  // EC2 API reference: these name a peering connection, an association or a rule.
  "ec2:AcceptVpcPeeringConnection:VpcId": "accepter VPC of the peering connection",
  "ec2:ReplaceIamInstanceProfileAssociation:InstanceId": "instance of the association",
  "ec2:DeleteTrafficMirrorFilterRule:TrafficMirrorFilterId": "traffic mirror filter of the rule",
  "ec2:ModifyTrafficMirrorFilterRule:TrafficMirrorFilterId": "traffic mirror filter of the rule",
  // CloudWatch Logs API reference, CreateDelivery: the delivery's id is generated.
  "logs:CreateDelivery:DeliveryName": "delivery id AWS assigns",
};
