import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { doraRecorderNames, PROJECT, resourceName, type StageConfig } from "./config";
import { CiRoles, type CiRolesProps } from "./constructs/ci-roles";
import { GithubOidcProvider, githubOidcProviderArn } from "./constructs/github-oidc-provider";
import { AWS_PROVIDER_VERSION } from "./stage-stack";

/**
 * The stages that need a `bootstrap-<stage>` stack: every stage whose account is not the shared
 * one (the `shared` stack bootstraps the stages in its own account). Each gets the stage's CI
 * roles and permissions boundary there.
 */
export function stagesNeedingBootstrap(
  stages: readonly StageConfig[],
  sharedAccountId: string = PROJECT.shared.account.id,
): StageConfig[] {
  return stages.filter((stage) => stage.account.id !== sharedAccountId);
}

/**
 * The bootstrap stacks that create their account's GitHub OIDC provider: IAM allows one per URL
 * per account, so of two stages in one account only the first one's does, and the other's roles
 * trust it by ARN (apply the first one first).
 */
export function stagesCreatingOidcProvider(
  stages: readonly StageConfig[],
  sharedAccountId: string = PROJECT.shared.account.id,
): StageConfig[] {
  const seen = new Set<string>([sharedAccountId]);
  return stagesNeedingBootstrap(stages, sharedAccountId).filter((stage) => {
    if (seen.has(stage.account.id)) return false;
    seen.add(stage.account.id);
    return true;
  });
}

/**
 * The stack an administrator applies to create a stage's CI roles and boundary: `shared` for a
 * stage in the shared account, `bootstrap-<stage>` for any other.
 */
export function ciRolesStackName(
  config: StageConfig,
  sharedAccountId: string = PROJECT.shared.account.id,
): string {
  return config.account.id === sharedAccountId ? "shared" : `bootstrap-${config.stage}`;
}

/** The CI roles of one stage, as its configuration describes them. */
export function ciRolesPropsFor(config: StageConfig): CiRolesProps {
  return {
    stage: config.stage,
    accountId: config.account.id,
    region: config.account.region,
    githubRepository: config.ci.githubRepository,
    githubEnvironment: config.ci.githubEnvironment,
    resourcePrefix: resourceName(config),
    state: config.state,
    imageRepository: {
      accountId: PROJECT.shared.account.id,
      region: PROJECT.shared.account.region,
      name: PROJECT.ecrRepositoryName,
    },
    projectTag: PROJECT.name,
    doraRecordLogGroupName: doraRecorderNames(config).logGroupName,
  };
}

/** Key of a `bootstrap-<stage>` stack's state in the shared state bucket. */
export function bootstrapStateKey(config: StageConfig): string {
  return `bootstrap/${config.stage}/terraform.tfstate`;
}

export interface BootstrapStackProps {
  /** The stage whose account is bootstrapped (its region, account id and CI settings). */
  readonly config: StageConfig;
  /**
   * Whether this stack creates the account's GitHub OIDC provider (see
   * {@link stagesCreatingOidcProvider}). @default true
   */
  readonly createOidcProvider?: boolean;
}

/**
 * `bootstrap-<stage>`: what a stage account needs before CI can plan or apply the stage: the
 * GitHub OIDC provider (once per account), the stage's CI roles and its permissions boundary.
 * Applied by an administrator of that account, before the stage stack, and again whenever the
 * CI roles change; CI never applies it.
 */
export class BootstrapStack extends TerraformStack {
  readonly oidcProvider: GithubOidcProvider | undefined;
  readonly ciRoles: CiRoles;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const { config } = props;
    new AwsProvider(this, "aws", {
      region: config.account.region,
      allowedAccountIds: [config.account.id],
      defaultTags: [
        {
          tags: {
            project: PROJECT.name,
            stage: `bootstrap-${config.stage}`,
            "managed-by": PROJECT.managedBy,
          },
        },
      ],
    });
    this.addOverride("terraform.required_providers.aws.version", AWS_PROVIDER_VERSION);
    new S3Backend(this, {
      bucket: config.state.bucket,
      key: bootstrapStateKey(config),
      region: config.state.region,
      encrypt: true,
    });
    this.addOverride("terraform.backend.s3.use_lockfile", true);

    this.oidcProvider =
      props.createOidcProvider === false ? undefined : new GithubOidcProvider(this, "github-oidc");
    this.ciRoles = new CiRoles(this, "ci-roles", ciRolesPropsFor(config));

    new TerraformOutput(this, "github_oidc_provider_arn", {
      value: this.oidcProvider?.provider.arn ?? githubOidcProviderArn(config.account.id),
    });
    new TerraformOutput(this, "ci_plan_role_arn", { value: this.ciRoles.planRole.arn });
    new TerraformOutput(this, "ci_deploy_role_arn", { value: this.ciRoles.deployRole.arn });
    new TerraformOutput(this, "permissions_boundary_arn", { value: this.ciRoles.boundary.arn });
  }
}
