import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { PROJECT, type StageConfig } from "./config";
import { GithubOidcProvider } from "./constructs/github-oidc-provider";
import { AWS_PROVIDER_VERSION } from "./stage-stack";

/**
 * The stages that need a `bootstrap-<stage>` stack: one per AWS account that hosts a stage but is
 * not the shared account (whose `shared` stack already creates the GitHub OIDC provider). IAM
 * allows one provider per URL per account, so two stages in one account share the first one's.
 */
export function stagesNeedingBootstrap(
  stages: readonly StageConfig[],
  sharedAccountId: string = PROJECT.shared.account.id,
): StageConfig[] {
  const seen = new Set<string>([sharedAccountId]);
  return stages.filter((stage) => {
    if (seen.has(stage.account.id)) return false;
    seen.add(stage.account.id);
    return true;
  });
}

/** Key of a `bootstrap-<stage>` stack's state in the shared state bucket. */
export function bootstrapStateKey(config: StageConfig): string {
  return `bootstrap/${config.stage}/terraform.tfstate`;
}

export interface BootstrapStackProps {
  /** The stage whose account gets the provider (its region and account id). */
  readonly config: StageConfig;
}

/**
 * `bootstrap-<stage>`: the account-wide GitHub OIDC provider for a stage account other than the
 * shared one, and nothing else. Applied once by an administrator of that account, before the
 * stage stack (whose CI roles trust the provider by its ARN).
 */
export class BootstrapStack extends TerraformStack {
  readonly oidcProvider: GithubOidcProvider;

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

    this.oidcProvider = new GithubOidcProvider(this, "github-oidc");
    new TerraformOutput(this, "github_oidc_provider_arn", {
      value: this.oidcProvider.provider.arn,
    });
  }
}
