import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { Construct } from "constructs";
import { accountRootArn, type PolicyStatement, policyDocument } from "./policy-document";

/** An account whose Lambda functions pull the image (a stage account). */
export interface PullingAccount {
  readonly accountId: string;
  readonly region: string;
}

export interface ImageRepositoryProps {
  readonly repositoryName: string;
  /** Accounts whose principals and Lambda functions may pull images. @default none */
  readonly pullingAccounts?: readonly PullingAccount[];
  /** Days after which an untagged image (a superseded build layer set) is deleted. @default 7 */
  readonly untaggedExpiryDays?: number;
  /**
   * Days after which a tagged image that was never released (no `release-` tag) is deleted.
   * @default 30
   */
  readonly unreleasedExpiryDays?: number;
  /**
   * Released images kept. ECR's lifecycle can only expire, so the rule that protects released
   * images from the other rules needs a count; it is set far above any real backlog (a stage is
   * never thousands of releases behind) and below ECR's 20,000 images per repository quota.
   * @default 9999
   */
  readonly releasedImagesKept?: number;
}

/**
 * The tag that marks an image as released: the release workflow pushes it with the image
 * (`release-<commit>`), and the lifecycle never expires an image carrying one (short of
 * `releasedImagesKept` newer releases), so any stage can still run it or roll back to it.
 */
export const RELEASE_TAG_PREFIX = "release-";

/** `release-<tag>`: the release tag of the image pushed as `<tag>`. */
export function releaseTag(imageTag: string): string {
  return `${RELEASE_TAG_PREFIX}${imageTag}`;
}

/** One rule of an ECR lifecycle policy, as ECR reads it. */
export interface LifecycleRule {
  readonly rulePriority: number;
  readonly description: string;
  readonly selection: {
    readonly tagStatus: "tagged" | "untagged" | "any";
    readonly tagPatternList?: readonly string[];
    readonly countType: "imageCountMoreThan" | "sinceImagePushed";
    readonly countUnit?: "days";
    readonly countNumber: number;
  };
  readonly action: { readonly type: "expire" };
}

/**
 * The repository's lifecycle rules. ECR lets a rule expire only images that no higher-priority
 * rule's tag selection matches, so rule 1 (released images, kept by count) shields every image
 * carrying a `release-` tag from the rules below it, whatever other tags it has.
 */
export function imageLifecycleRules(props: ImageRepositoryProps): LifecycleRule[] {
  const untaggedDays = props.untaggedExpiryDays ?? 7;
  const unreleasedDays = props.unreleasedExpiryDays ?? 30;
  const releasedKept = props.releasedImagesKept ?? 9999;
  return [
    {
      rulePriority: 1,
      description: `Keep released images (tag ${RELEASE_TAG_PREFIX}*): the newest ${releasedKept}`,
      selection: {
        tagStatus: "tagged",
        tagPatternList: [`${RELEASE_TAG_PREFIX}*`],
        countType: "imageCountMoreThan",
        countNumber: releasedKept,
      },
      action: { type: "expire" },
    },
    {
      rulePriority: 2,
      description: `Expire untagged images after ${untaggedDays} days`,
      selection: {
        tagStatus: "untagged",
        countType: "sinceImagePushed",
        countUnit: "days",
        countNumber: untaggedDays,
      },
      action: { type: "expire" },
    },
    {
      rulePriority: 3,
      description: `Expire never-released tagged images after ${unreleasedDays} days`,
      selection: {
        tagStatus: "tagged",
        tagPatternList: ["*"],
        countType: "sinceImagePushed",
        countUnit: "days",
        countNumber: unreleasedDays,
      },
      action: { type: "expire" },
    },
  ];
}

const PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/**
 * The ECR repository shared by every stage, so one immutable image is promoted
 * dev → test → prod: tags cannot be overwritten, every push is scanned, untagged and
 * never-released images expire, released ones stay (see {@link imageLifecycleRules}).
 */
export class ImageRepository extends Construct {
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, "repository", {
      name: props.repositoryName,
      // A tag names one image forever: what test approved is byte for byte what prod runs.
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
    });

    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      policy: JSON.stringify({ rules: imageLifecycleRules(props) }),
    });

    const accounts = uniqueAccounts(props.pullingAccounts ?? []);
    if (accounts.length > 0) {
      new EcrRepositoryPolicy(this, "policy", {
        repository: this.repository.name,
        policy: policyDocument(crossAccountPullStatements(accounts)),
      });
    }
  }
}

/**
 * Cross-account image pulls by Lambda need two grants: the account principals (for whoever
 * creates or updates the function) and the Lambda service itself, limited to those accounts'
 * functions by `aws:sourceArn`.
 */
export function crossAccountPullStatements(
  accounts: readonly PullingAccount[],
): readonly PolicyStatement[] {
  return [
    {
      Sid: "StageAccountsPull",
      Effect: "Allow",
      Principal: { AWS: accounts.map((account) => accountRootArn(account.accountId)) },
      Action: PULL_ACTIONS,
    },
    {
      Sid: "StageLambdaFunctionsPull",
      Effect: "Allow",
      Principal: { Service: "lambda.amazonaws.com" },
      Action: PULL_ACTIONS,
      Condition: {
        StringLike: {
          "aws:sourceArn": accounts.map(
            (account) => `arn:aws:lambda:${account.region}:${account.accountId}:function:*`,
          ),
        },
      },
    },
  ];
}

function uniqueAccounts(accounts: readonly PullingAccount[]): PullingAccount[] {
  const seen = new Map<string, PullingAccount>();
  for (const account of accounts) seen.set(`${account.accountId}/${account.region}`, account);
  return [...seen.values()].sort((a, b) =>
    `${a.accountId}/${a.region}`.localeCompare(`${b.accountId}/${b.region}`),
  );
}
