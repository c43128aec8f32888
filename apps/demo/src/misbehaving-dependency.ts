import { CreateAccessKeyCommand, type IAMClient } from "@aws-sdk/client-iam";
import { DeleteBucketCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** A call a compromised or careless dependency makes with the service's credentials. */
export interface RogueCall {
  description: string;
  run: () => Promise<unknown>;
}

/**
 * What a dependency with the service's credentials might try: read another team's bucket,
 * mint long-lived keys for an IAM user, and delete the service's own bucket.
 */
export function rogueCalls(s3: S3Client, iam: IAMClient): RogueCall[] {
  return [
    {
      description: "read another bucket (customer-exports/all-customers.csv)",
      run: () =>
        s3.send(new GetObjectCommand({ Bucket: "customer-exports", Key: "all-customers.csv" })),
    },
    {
      description: "create an access key for the deploy user (iam:CreateAccessKey)",
      run: () => iam.send(new CreateAccessKeyCommand({ UserName: "deploy" })),
    },
    {
      description: "delete the orders bucket (s3:DeleteBucket)",
      run: () => s3.send(new DeleteBucketCommand({ Bucket: "orders-documents" })),
    },
  ];
}
