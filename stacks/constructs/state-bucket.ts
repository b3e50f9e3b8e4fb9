import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { accountRootArn, type PolicyStatement, policyDocument } from "./policy-document";

/** One stage's way into the bucket: its account, its state folder and the stacks kept there. */
export interface StageStateAccess {
  readonly stage: string;
  /** The account that hosts the stage (and its CI roles). */
  readonly accountId: string;
  /** Key of the stage stack's state, e.g. `stages/dev/terraform.tfstate`. */
  readonly stateKey: string;
  /** Name pattern of the stage's CI roles, e.g. `agnostic-lambda-core-dev-ci-*`. */
  readonly ciRoleNamePattern: string;
  /** Name of the stage's deploy role, the only CI role that may write the state. */
  readonly deployRoleName: string;
  /**
   * Key of the `bootstrap-<stage>` stack's state, when the stage's account has one.
   * @default undefined (no bootstrap stack: the account is the bucket's own)
   */
  readonly bootstrapStateKey?: string;
}

export interface StateBucketProps {
  readonly bucketName: string;
  /**
   * The stages whose stacks keep their state here, possibly from other accounts.
   * @default [] (only principals of the bucket's own account, through their IAM policies)
   */
  readonly stages?: readonly StageStateAccess[];
}

/** `stages/dev/terraform.tfstate` → `stages/dev/`; refuses a key whose folder is not the stage's. */
export function stateFolder(stage: string, key: string): string {
  const folder = key.slice(0, key.lastIndexOf("/") + 1);
  if (!folder.split("/").includes(stage)) {
    throw new Error(
      `state key "${key}" of stage ${stage} is not in a folder named after the stage; a bucket policy on its folder would reach other stages' state`,
    );
  }
  return folder;
}

/**
 * Bucket policy statements that let one stage's account use its own state folder, and nothing
 * else in the bucket. Cross-account access needs both the bucket policy and the caller's IAM
 * policy; the bucket policy is the account boundary, the CI roles' own policies narrow it to one key.
 *
 * Principals are the account root plus an `aws:PrincipalArn` condition on the role-name pattern,
 * not the role ARNs: S3 rejects a policy whose principal does not exist yet, and the CI roles are
 * created by the stage stacks, after this bucket (and may be re-created, which would silently
 * turn an ARN principal into an unusable unique id).
 */
export function stageStateStatements(
  bucketName: string,
  access: StageStateAccess,
): PolicyStatement[] {
  const bucketArn = `arn:aws:s3:::${bucketName}`;
  const root = { AWS: accountRootArn(access.accountId) };
  const stageId = access.stage.replace(/[^A-Za-z0-9]/g, "");
  const sid = (what: string) => `${stageId.charAt(0).toUpperCase()}${stageId.slice(1)}${what}`;
  const folder = stateFolder(access.stage, access.stateKey);
  const ciRoles = {
    "aws:PrincipalArn": `arn:aws:iam::${access.accountId}:role/${access.ciRoleNamePattern}`,
  };
  const deployRole = {
    "aws:PrincipalArn": `arn:aws:iam::${access.accountId}:role/${access.deployRoleName}`,
  };
  const statements: PolicyStatement[] = [
    {
      Sid: sid("CiListsItsState"),
      Effect: "Allow",
      Principal: root,
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { ArnLike: ciRoles, StringLike: { "s3:prefix": `${folder}*` } },
    },
    {
      // Plan and deploy roles read the state. Pull-request plans run with -lock=false: only the
      // deploy role (applies) takes and releases the native S3 lock.
      Sid: sid("CiReadsState"),
      Effect: "Allow",
      Principal: root,
      Action: "s3:GetObject",
      Resource: `${bucketArn}/${folder}*`,
      Condition: { ArnLike: ciRoles },
    },
    {
      Sid: sid("DeployRoleTakesLock"),
      Effect: "Allow",
      Principal: root,
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: `${bucketArn}/${folder}*.tflock`,
      Condition: { ArnLike: deployRole },
    },
    {
      Sid: sid("DeployRoleWritesState"),
      Effect: "Allow",
      Principal: root,
      Action: "s3:PutObject",
      Resource: `${bucketArn}/${folder}*`,
      Condition: { ArnLike: deployRole },
    },
  ];
  // `bootstrap-<stage>` (the CI roles and boundary) and the first `cdktf deploy <stage>` are
  // applied by an administrator of the stage's account (see docs/ci.md), not by a CI role.
  // Granted to the account root (delegated to that account's IAM policies), CI roles excluded so
  // the plan/deploy split above stays the only way a CI role reaches the state.
  const adminFolders = [
    folder,
    ...(access.bootstrapStateKey ? [stateFolder(access.stage, access.bootstrapStateKey)] : []),
  ];
  const notCi = { "aws:PrincipalArn": ciRoles["aws:PrincipalArn"] };
  statements.push(
    {
      Sid: sid("AdministratorsListState"),
      Effect: "Allow",
      Principal: root,
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: {
        ArnNotLike: notCi,
        StringLike: { "s3:prefix": adminFolders.map((adminFolder) => `${adminFolder}*`) },
      },
    },
    {
      Sid: sid("AdministratorsManageState"),
      Effect: "Allow",
      Principal: root,
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: adminFolders.map((adminFolder) => `${bucketArn}/${adminFolder}*`),
      Condition: { ArnNotLike: notCi },
    },
  );
  return statements;
}

/**
 * The S3 bucket that holds every stack's Terraform state (one key per stack, native S3 locking
 * with `use_lockfile`, so no DynamoDB table). Versioned, so a corrupted state can be restored;
 * encrypted; never public; TLS only; protected from `terraform destroy`. Each stage's account
 * reaches only its own folders (`stages/<stage>/`, `bootstrap/<stage>/`).
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      // Losing the state orphans every resource of every stage.
      lifecycle: { preventDestroy: true },
    });
    new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    const bucketArn = `arn:aws:s3:::${props.bucketName}`;
    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policyDocument([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        ...(props.stages ?? []).flatMap((access) => stageStateStatements(props.bucketName, access)),
      ]),
    });
  }
}
