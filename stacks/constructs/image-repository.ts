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
   * Tagged images kept; older ones are deleted. Keep it well above the number of releases
   * between a prod deploy and its possible rollback. @default 100
   */
  readonly taggedImagesKept?: number;
}

const PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/**
 * The ECR repository shared by every stage, so one immutable image is promoted
 * dev → test → prod: tags cannot be overwritten, every push is scanned, old images expire.
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
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Expire untagged images after ${props.untaggedExpiryDays ?? 7} days`,
            selection: {
              tagStatus: "untagged",
              countType: "sinceImagePushed",
              countUnit: "days",
              countNumber: props.untaggedExpiryDays ?? 7,
            },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: `Keep the last ${props.taggedImagesKept ?? 100} tagged images`,
            selection: {
              tagStatus: "tagged",
              tagPatternList: ["*"],
              countType: "imageCountMoreThan",
              countNumber: props.taggedImagesKept ?? 100,
            },
            action: { type: "expire" },
          },
        ],
      }),
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
