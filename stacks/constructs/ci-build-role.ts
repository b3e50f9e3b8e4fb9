import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { githubSubjectClaim, githubTrustPolicy } from "./ci-roles";
import { type PolicyStatement, policyDocument } from "./policy-document";

/** Name of the build role; `tools/ci/stage-info.ts` builds its ARN for the release workflow. */
export function buildRoleName(projectName: string): string {
  return `${projectName}-ci-build`;
}

export interface CiBuildRoleProps {
  /** Account of the shared ECR repository (and of this role). */
  readonly accountId: string;
  readonly region: string;
  readonly repositoryName: string;
  /** `owner/name` of the repository whose workflows may assume the role. */
  readonly githubRepository: string;
  /** Name stem of the role, e.g. `agnostic-lambda-core`. */
  readonly projectName: string;
  /**
   * Branch whose pushes build the image. The image is built once per commit on it, before any
   * stage's environment is entered, so the trust names the branch, not an environment.
   * @default "main"
   */
  readonly branch?: string;
}

/** What pushing a tag with docker buildx needs on the repository (no delete, no policy changes). */
const ECR_PUSH = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:InitiateLayerUpload",
  "ecr:UploadLayerPart",
  "ecr:CompleteLayerUpload",
  "ecr:PutImage",
  "ecr:BatchGetImage",
  "ecr:DescribeImages",
];

export function buildPolicyStatements(props: CiBuildRoleProps): PolicyStatement[] {
  return [
    {
      Sid: "RegistryLogin",
      Effect: "Allow",
      Action: "ecr:GetAuthorizationToken",
      // ECR has no resource-level permission for the login token.
      Resource: "*",
    },
    {
      Sid: "PushToSharedRepository",
      Effect: "Allow",
      Action: ECR_PUSH,
      Resource: `arn:aws:ecr:${props.region}:${props.accountId}:repository/${props.repositoryName}`,
    },
  ];
}

/**
 * The role the release workflow's build job assumes to push the image to the shared ECR
 * repository: trusted only for pushes to `main` (`repo:<owner>/<name>:ref:refs/heads/main`),
 * allowed only to log in and push to that one repository. It cannot deploy anything.
 */
export class CiBuildRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: CiBuildRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: buildRoleName(props.projectName),
      description: `GitHub Actions image builds pushed to ${props.repositoryName}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrustPolicy(
        props.accountId,
        githubSubjectClaim(props.githubRepository, {
          kind: "branch",
          branch: props.branch ?? "main",
        }),
      ),
    });
    new IamRolePolicy(this, "policy", {
      name: "push-image",
      role: this.role.id,
      policy: policyDocument(buildPolicyStatements(props)),
    });
  }
}
