import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  bootstrapStateKey,
  ciRolesPropsFor,
  ciRolesStackName,
  stagesNeedingBootstrap,
} from "./bootstrap-stack";
import { PROJECT, resourceName, type StageConfig } from "./config";
import { CiBuildRole } from "./constructs/ci-build-role";
import { CiRoles, ciRoleNamePattern, deployRoleName } from "./constructs/ci-roles";
import { GithubOidcProvider } from "./constructs/github-oidc-provider";
import { ImageRepository } from "./constructs/image-repository";
import { StateBucket } from "./constructs/state-bucket";
import { AWS_PROVIDER_VERSION } from "./stage-stack";

export interface SharedStackProps {
  /** The stages whose accounts pull the shared image and keep their state in the bucket. */
  readonly stages: readonly StageConfig[];
  /**
   * First apply only: keep the state in a local file, because the bucket that will hold it does
   * not exist yet. Afterwards migrate it with `terraform init -migrate-state` (see docs/infrastructure.md).
   * @default false (S3 backend in the bucket this stack creates)
   */
  readonly bootstrap?: boolean;
}

/**
 * Resources every stage shares, in the shared account: the Terraform state bucket and the ECR
 * repository the image is promoted through; and the bootstrap of the shared account itself: the
 * GitHub OIDC provider, the build role, and the CI roles and permissions boundary of every stage
 * hosted in this account. Applied by an administrator, never by CI. Stage stacks never reference
 * this stack's resources (they build the names from config), so each stage plans on its own.
 */
export class SharedStack extends TerraformStack {
  readonly provider: AwsProvider;
  readonly stateBucket: StateBucket;
  readonly imageRepository: ImageRepository;
  readonly githubOidcProvider: GithubOidcProvider;
  readonly buildRole: CiBuildRole;
  /** The CI roles and boundary of each stage hosted in the shared account, by stage. */
  readonly ciRoles: Readonly<Record<string, CiRoles>>;

  constructor(scope: Construct, id: string, props: SharedStackProps) {
    super(scope, id);
    const { account, state } = PROJECT.shared;

    this.provider = new AwsProvider(this, "aws", {
      region: account.region,
      allowedAccountIds: [account.id],
      defaultTags: [
        { tags: { project: PROJECT.name, stage: "shared", "managed-by": PROJECT.managedBy } },
      ],
    });
    this.addOverride("terraform.required_providers.aws.version", AWS_PROVIDER_VERSION);

    if (props.bootstrap) {
      // Relative to the stack's working directory (cdktf.out/stacks/shared): the project root.
      new LocalBackend(this, { path: "../../../terraform.shared.tfstate" });
    } else {
      new S3Backend(this, {
        bucket: state.bucket,
        key: state.key,
        region: state.region,
        encrypt: true,
      });
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    }

    const bootstrapped = new Set(stagesNeedingBootstrap(props.stages).map((stage) => stage.stage));
    this.stateBucket = new StateBucket(this, "state", {
      bucketName: state.bucket,
      // Stage stacks (and bootstrap stacks) in other accounts keep their state here too.
      stages: props.stages
        .filter((config) => config.state.bucket === state.bucket)
        .map((config) => ({
          stage: config.stage,
          accountId: config.account.id,
          stateKey: config.state.key,
          ciRoleNamePattern: ciRoleNamePattern(resourceName(config)),
          deployRoleName: deployRoleName(resourceName(config)),
          bootstrapStateKey: bootstrapped.has(config.stage) ? bootstrapStateKey(config) : undefined,
        })),
    });
    this.imageRepository = new ImageRepository(this, "image", {
      repositoryName: PROJECT.ecrRepositoryName,
      pullingAccounts: props.stages.map((stage) => ({
        accountId: stage.account.id,
        region: stage.account.region,
      })),
    });

    // Account-wide (one per account): the stage stacks' CI roles in this account trust it by ARN.
    this.githubOidcProvider = new GithubOidcProvider(this, "github-oidc");
    this.buildRole = new CiBuildRole(this, "ci-build-role", {
      accountId: account.id,
      region: account.region,
      repositoryName: PROJECT.ecrRepositoryName,
      githubRepository: PROJECT.githubRepository,
      projectName: PROJECT.name,
    });

    this.ciRoles = Object.fromEntries(
      props.stages
        .filter((config) => ciRolesStackName(config, account.id) === "shared")
        .map((config) => {
          const roles = new CiRoles(this, `ci-roles-${config.stage}`, ciRolesPropsFor(config));
          new TerraformOutput(this, `ci_plan_role_arn_${config.stage}`, {
            value: roles.planRole.arn,
          });
          new TerraformOutput(this, `ci_deploy_role_arn_${config.stage}`, {
            value: roles.deployRole.arn,
          });
          return [config.stage, roles];
        }),
    );

    new TerraformOutput(this, "state_bucket", { value: this.stateBucket.bucket.bucket });
    new TerraformOutput(this, "ecr_repository_url", {
      value: this.imageRepository.repository.repositoryUrl,
    });
    new TerraformOutput(this, "ecr_repository_arn", { value: this.imageRepository.repository.arn });
    new TerraformOutput(this, "ci_build_role_arn", { value: this.buildRole.role.arn });
  }
}
