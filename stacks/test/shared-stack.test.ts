import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { PROJECT } from "../config";
import { crossAccountPullStatements, imageLifecycleRules } from "../constructs/image-repository";
import { parsePolicy, resourceAt, synthSharedStack } from "./support/synth";

const STATE_BUCKET = PROJECT.shared.state.bucket;

describe("the shared stack", () => {
  const synth = synthSharedStack();

  it("creates one ECR repository with immutable tags and scan on push", () => {
    expect(
      Testing.toHaveResourceWithProperties(synth.json, EcrRepository.tfResourceType, {
        name: "agnostic-lambda-core",
        image_tag_mutability: "IMMUTABLE",
        image_scanning_configuration: { scan_on_push: true },
      }),
    ).toBe(true);
  });

  it("puts the lifecycle rules of imageLifecycleRules on the repository", () => {
    const lifecycle = resourceAt(synth, EcrLifecyclePolicy.tfResourceType, "image/lifecycle");

    expect(JSON.parse(String(lifecycle.policy))).toEqual({
      rules: imageLifecycleRules({ repositoryName: PROJECT.ecrRepositoryName }),
    });
  });

  it("lets every stage account and its Lambda functions pull the image", () => {
    const policy = parsePolicy(
      resourceAt(synth, EcrRepositoryPolicy.tfResourceType, "image/policy").policy,
    );

    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Principal: {
          AWS: [
            "arn:aws:iam::222222222222:root",
            "arn:aws:iam::333333333333:root",
            "arn:aws:iam::444444444444:root",
          ],
        },
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      }),
      expect.objectContaining({
        Principal: { Service: "lambda.amazonaws.com" },
        Condition: {
          StringLike: {
            "aws:sourceArn": [
              "arn:aws:lambda:eu-west-1:222222222222:function:*",
              "arn:aws:lambda:eu-west-1:333333333333:function:*",
              "arn:aws:lambda:eu-west-1:444444444444:function:*",
            ],
          },
        },
      }),
    ]);
  });

  it("keeps the state bucket versioned, encrypted, private and undeletable by terraform", () => {
    expect(resourceAt(synth, S3Bucket.tfResourceType, "state/bucket")).toMatchObject({
      bucket: STATE_BUCKET,
      lifecycle: { prevent_destroy: true },
    });
    expect(resourceAt(synth, S3BucketVersioningA.tfResourceType, "state/versioning")).toMatchObject(
      { versioning_configuration: { status: "Enabled" } },
    );
    expect(
      resourceAt(
        synth,
        S3BucketServerSideEncryptionConfigurationA.tfResourceType,
        "state/encryption",
      ),
    ).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    expect(
      resourceAt(synth, S3BucketPublicAccessBlock.tfResourceType, "state/public-access-block"),
    ).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("refuses every request to the state bucket that is not over TLS", () => {
    const policy = parsePolicy(
      resourceAt(synth, S3BucketPolicy.tfResourceType, "state/policy").policy,
    );

    // The per-stage grants that follow it are tested in ci-roles.test.ts.
    expect(policy.Statement[0]).toEqual(
      expect.objectContaining({
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${STATE_BUCKET}`, `arn:aws:s3:::${STATE_BUCKET}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
  });

  it("keeps its own state in the bucket it creates, with locking", () => {
    expect(synth.terraform.terraform.backend).toEqual({
      s3: expect.objectContaining({
        bucket: STATE_BUCKET,
        key: "shared/terraform.tfstate",
        encrypt: true,
        use_lockfile: true,
      }),
    });
  });

  it("uses a local state file for the bootstrap apply, before the bucket exists", () => {
    const bootstrap = synthSharedStack({ bootstrap: true });

    expect(bootstrap.terraform.terraform.backend).toEqual({
      local: { path: "../../../terraform.shared.tfstate" },
    });
  });
});

describe("cross-account image pulls", () => {
  it("grant the Lambda service only for functions of the listed accounts", () => {
    const [accounts, lambda] = crossAccountPullStatements([
      { accountId: "444444444444", region: "us-east-1" },
    ]);

    expect(accounts?.Principal).toEqual({ AWS: ["arn:aws:iam::444444444444:root"] });
    expect(lambda?.Condition).toEqual({
      StringLike: { "aws:sourceArn": ["arn:aws:lambda:us-east-1:444444444444:function:*"] },
    });
  });
});
