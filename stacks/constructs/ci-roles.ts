import type { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { ciRoleNamePattern, deployRoleName, planRoleName, roleArn } from "../ci-role-names";
import { LAMBDA_CONCURRENCY_QUOTA } from "../config";
import {
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  githubOidcProviderArn,
} from "./github-oidc-provider";
import { permissionsBoundaryArn, StagePermissionsBoundary } from "./permissions-boundary";
import { type PolicyStatement, policyDocument } from "./policy-document";

/** Which GitHub Actions runs may assume a role: the OIDC `sub` claim. */
export type GithubSubject =
  | { readonly kind: "pull_request" }
  | { readonly kind: "environment"; readonly environment: string }
  | { readonly kind: "branch"; readonly branch: string };

/** `repo:<owner>/<name>:<context>`, GitHub's default `sub` claim format. */
export function githubSubjectClaim(repository: string, subject: GithubSubject): string {
  switch (subject.kind) {
    case "pull_request":
      return `repo:${repository}:pull_request`;
    case "environment":
      return `repo:${repository}:environment:${subject.environment}`;
    case "branch":
      return `repo:${repository}:ref:refs/heads/${subject.branch}`;
  }
}

/**
 * Trust policy for GitHub Actions: `sts:AssumeRoleWithWebIdentity` through the account's GitHub
 * OIDC provider, for audience `sts.amazonaws.com` and exactly one `sub` (StringEquals, no
 * wildcards: a wildcard `sub` is the classic way to let every repository on GitHub in).
 */
export function githubTrustPolicy(accountId: string, subjectClaim: string): string {
  // Written out rather than through policyDocument(): its principal type has no `Federated`.
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GithubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: githubOidcProviderArn(accountId) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subjectClaim,
          },
        },
      },
    ],
  });
}

export { ciRoleNamePattern, deployRoleName, planRoleName, roleArn } from "../ci-role-names";

export interface CiRolesProps {
  /** Stage these roles act on; also the `stage` tag a key the deploy role creates must carry. */
  readonly stage: string;
  readonly accountId: string;
  readonly region: string;
  /** `owner/name` of the repository whose workflows may assume the roles. */
  readonly githubRepository: string;
  /** GitHub environment whose jobs may assume the deploy role (`environment:<name>` sub). */
  readonly githubEnvironment: string;
  /** Name stem of every resource the stage owns, e.g. `agnostic-lambda-core-dev`. */
  readonly resourcePrefix: string;
  /** The stage's Terraform state object (bucket, key). The lock is `<key>.tflock`. */
  readonly state: { readonly bucket: string; readonly key: string };
  /** The shared ECR repository the deploy role lets Lambda pull from. */
  readonly imageRepository: {
    readonly accountId: string;
    readonly region: string;
    readonly name: string;
  };
  /** Value of the `project` tag a key the deploy role creates must carry. */
  readonly projectTag: string;
  /**
   * Log group the DORA recorder writes its records to (`doraRecorderNames(config).logGroupName`):
   * the deploy role reads it for `npm run dora -- report --source aws`.
   */
  readonly doraRecordLogGroupName: string;
  /** @default 3600 (one hour: a prod canary plus the smoke check fits; the token expires soon after) */
  readonly maxSessionDurationSeconds?: number;
}

const LAMBDA_READ = [
  "lambda:GetFunction",
  "lambda:GetFunctionConfiguration",
  "lambda:GetFunctionCodeSigningConfig",
  "lambda:GetFunctionConcurrency",
  "lambda:GetFunctionEventInvokeConfig",
  "lambda:GetFunctionRecursionConfig",
  "lambda:GetFunctionUrlConfig",
  "lambda:GetRuntimeManagementConfig",
  "lambda:GetProvisionedConcurrencyConfig",
  "lambda:GetAlias",
  "lambda:GetPolicy",
  "lambda:ListAliases",
  "lambda:ListVersionsByFunction",
  "lambda:ListTags",
];
const LAMBDA_WRITE = [
  "lambda:CreateFunction",
  "lambda:UpdateFunctionCode",
  "lambda:UpdateFunctionConfiguration",
  "lambda:PublishVersion",
  "lambda:DeleteFunction",
  "lambda:PutFunctionConcurrency",
  "lambda:DeleteFunctionConcurrency",
  "lambda:PutFunctionEventInvokeConfig",
  "lambda:UpdateFunctionEventInvokeConfig",
  "lambda:DeleteFunctionEventInvokeConfig",
  "lambda:CreateAlias",
  "lambda:UpdateAlias",
  "lambda:DeleteAlias",
  "lambda:CreateFunctionUrlConfig",
  "lambda:UpdateFunctionUrlConfig",
  "lambda:DeleteFunctionUrlConfig",
  "lambda:AddPermission",
  "lambda:RemovePermission",
  "lambda:TagResource",
  "lambda:UntagResource",
];
const LOGS_READ = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"];
const LOGS_WRITE = [
  "logs:CreateLogGroup",
  "logs:DeleteLogGroup",
  "logs:PutRetentionPolicy",
  "logs:DeleteRetentionPolicy",
  "logs:TagResource",
  "logs:UntagResource",
  "logs:TagLogGroup",
  "logs:UntagLogGroup",
];
const IAM_ROLE_READ = [
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListRolePolicies",
  "iam:ListAttachedRolePolicies",
  "iam:ListRoleTags",
  "iam:ListInstanceProfilesForRole",
];
/**
 * Role changes that can grant permissions: allowed only when the role's permissions boundary is
 * (or becomes) the stage's (the `iam:PermissionsBoundary` condition key of each action).
 */
const IAM_ROLE_GRANT = ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"];
/** Role changes that grant nothing new to the role (its boundary caps it anyway). */
const IAM_ROLE_WRITE = [
  "iam:DeleteRole",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:UpdateAssumeRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
];
/** What nobody but an administrator may do to the boundary policy: edit, replace or delete it. */
const BOUNDARY_POLICY_CHANGES = [
  "iam:CreatePolicyVersion",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:DeletePolicy",
  "iam:TagPolicy",
  "iam:UntagPolicy",
];
/** What the deploy role may never do to the CI roles: otherwise it could grant itself anything. */
const CI_ROLE_ESCALATION = [
  "iam:CreateRole",
  "iam:PassRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:UpdateRole",
  "iam:DeleteRole",
  "iam:TagRole",
  "iam:UntagRole",
];
const SNS_READ = [
  "sns:GetTopicAttributes",
  "sns:ListSubscriptionsByTopic",
  "sns:ListTagsForResource",
  "sns:GetDataProtectionPolicy",
];
const SNS_WRITE = [
  "sns:CreateTopic",
  "sns:DeleteTopic",
  "sns:SetTopicAttributes",
  "sns:Subscribe",
  "sns:TagResource",
  "sns:UntagResource",
  // The release workflow publishes each run's outcome to the stage's topic.
  "sns:Publish",
];
/**
 * What the plan role reads of the stage's KMS keys, and the deploy role does to them. Granted in
 * each key's own policy, naming the role (see {@link ciKeyPolicyStatements}), not here: an
 * `aws:ResourceTag` condition can lag minutes behind a new key or a tag change.
 */
export const KMS_KEY_READ = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListResourceTags",
];
export const KMS_KEY_WRITE = [
  "kms:PutKeyPolicy",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:UpdateKeyDescription",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:UpdateAlias",
  // Publishing to the encrypted topic.
  "kms:GenerateDataKey*",
  "kms:Decrypt",
];
const CLOUDWATCH_READ = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"];
const CLOUDWATCH_WRITE = [
  "cloudwatch:PutMetricAlarm",
  "cloudwatch:DeleteAlarms",
  "cloudwatch:TagResource",
  "cloudwatch:UntagResource",
];
const CODEDEPLOY_READ = [
  "codedeploy:GetApplication",
  "codedeploy:GetApplicationRevision",
  "codedeploy:GetDeploymentGroup",
  "codedeploy:GetDeploymentConfig",
  "codedeploy:GetDeployment",
  "codedeploy:ListDeploymentGroups",
  "codedeploy:ListDeployments",
  "codedeploy:ListTagsForResource",
];
const CODEDEPLOY_WRITE = [
  "codedeploy:CreateApplication",
  "codedeploy:DeleteApplication",
  "codedeploy:UpdateApplication",
  "codedeploy:CreateDeploymentGroup",
  "codedeploy:UpdateDeploymentGroup",
  "codedeploy:DeleteDeploymentGroup",
  "codedeploy:CreateDeploymentConfig",
  "codedeploy:DeleteDeploymentConfig",
  "codedeploy:RegisterApplicationRevision",
  "codedeploy:CreateDeployment",
  "codedeploy:TagResource",
  "codedeploy:UntagResource",
];
const EVENTS_READ = [
  "events:DescribeRule",
  "events:ListTargetsByRule",
  "events:ListTagsForResource",
];
const EVENTS_WRITE = [
  "events:PutRule",
  "events:DeleteRule",
  "events:EnableRule",
  "events:DisableRule",
  "events:PutTargets",
  "events:RemoveTargets",
  "events:TagResource",
  "events:UntagResource",
];
/** The DORA recorder's idempotency table (aws_dynamodb_table). */
const DYNAMODB_READ = [
  "dynamodb:DescribeTable",
  "dynamodb:DescribeTimeToLive",
  "dynamodb:DescribeContinuousBackups",
  "dynamodb:ListTagsOfResource",
];
const DYNAMODB_WRITE = [
  "dynamodb:CreateTable",
  "dynamodb:UpdateTable",
  "dynamodb:DeleteTable",
  "dynamodb:UpdateTimeToLive",
  "dynamodb:TagResource",
  "dynamodb:UntagResource",
];

/**
 * The ARNs of one stage's resources, by name: `<prefix>` itself and `<prefix>-*` (never a bare
 * `<prefix>*`, which would also match a stage whose name starts with this one's).
 */
export function stageResourceArns(props: CiRolesProps) {
  const { accountId: account, region, resourcePrefix: prefix } = props;
  const named = (base: string) => [`${base}${prefix}`, `${base}${prefix}-*`];
  return {
    lambda: [
      ...named(`arn:aws:lambda:${region}:${account}:function:`),
      // Versions and aliases: `<function>:<qualifier>`.
      `arn:aws:lambda:${region}:${account}:function:${prefix}:*`,
    ],
    logGroups: named(`arn:aws:logs:${region}:${account}:log-group:/aws/lambda/`).flatMap((arn) => [
      arn,
      `${arn}:*`,
    ]),
    roles: named(`arn:aws:iam::${account}:role/`),
    ciRoles: [`arn:aws:iam::${account}:role/${ciRoleNamePattern(prefix)}`],
    topics: named(`arn:aws:sns:${region}:${account}:`),
    kmsAliases: [`arn:aws:kms:${region}:${account}:alias/${prefix}-*`],
    kmsKeys: [`arn:aws:kms:${region}:${account}:key/*`],
    alarms: named(`arn:aws:cloudwatch:${region}:${account}:alarm:`),
    // Dashboards are global: no region in their ARN.
    dashboards: named(`arn:aws:cloudwatch::${account}:dashboard/`),
    codedeploy: [
      ...named(`arn:aws:codedeploy:${region}:${account}:application:`),
      `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${prefix}/*`,
      `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${prefix}-*`,
      `arn:aws:codedeploy:${region}:${account}:deploymentconfig:${prefix}-*`,
    ],
    /** AWS's own predefined deployment configs: shared by everyone, owned by no stage. */
    codedeployPredefinedConfigs: [
      `arn:aws:codedeploy:${region}:${account}:deploymentconfig:CodeDeployDefault.*`,
    ],
    rules: named(`arn:aws:events:${region}:${account}:rule/`),
    tables: [`arn:aws:dynamodb:${region}:${account}:table/${prefix}-*`],
    /** FilterLogEvents authorises on `log-group:<name>`; some tools send `log-group:<name>:*`. */
    doraRecords: [
      `arn:aws:logs:${region}:${account}:log-group:${props.doraRecordLogGroupName}`,
      `arn:aws:logs:${region}:${account}:log-group:${props.doraRecordLogGroupName}:*`,
    ],
  };
}

/**
 * The stage's state, by role. Both roles list and read their own state object. Only the deploy
 * role writes it and takes the native S3 lock (`<key>.tflock`, use_lockfile): applies hold the
 * lock, pull-request plans run with `-lock=false` and never write or delete anything.
 */
function stateStatements(props: CiRolesProps, role: "plan" | "deploy"): PolicyStatement[] {
  const bucketArn = `arn:aws:s3:::${props.state.bucket}`;
  const listOwnKey: PolicyStatement = {
    Sid: "ListOwnStateKey",
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: bucketArn,
    Condition: { StringEquals: { "s3:prefix": props.state.key } },
  };
  if (role === "plan") {
    return [
      listOwnKey,
      {
        Sid: "ReadOwnState",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: `${bucketArn}/${props.state.key}`,
      },
    ];
  }
  return [
    listOwnKey,
    {
      Sid: "ReadWriteOwnState",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: `${bucketArn}/${props.state.key}`,
    },
    {
      Sid: "OwnStateLock",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `${bucketArn}/${props.state.key}.tflock`,
    },
  ];
}

/** What the plan role reads besides the state: every resource of the stage, nothing else. */
function readStatements(props: CiRolesProps): PolicyStatement[] {
  const arns = stageResourceArns(props);
  return [
    { Sid: "WhoAmI", Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" },
    { Sid: "ReadFunctions", Effect: "Allow", Action: LAMBDA_READ, Resource: arns.lambda },
    // DescribeLogGroups has no resource type: AWS only matches it on "*".
    { Sid: "FindLogGroups", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
    { Sid: "ReadLogGroups", Effect: "Allow", Action: LOGS_READ, Resource: arns.logGroups },
    { Sid: "ReadRoles", Effect: "Allow", Action: IAM_ROLE_READ, Resource: arns.roles },
    { Sid: "ReadTopics", Effect: "Allow", Action: SNS_READ, Resource: arns.topics },
    {
      // Subscription actions have no resource type (a subscription ARN is not matched): "*".
      Sid: "ReadSubscriptions",
      Effect: "Allow",
      Action: "sns:GetSubscriptionAttributes",
      Resource: "*",
    },
    // The keys themselves are read through their key policies (ciKeyPolicyStatements).
    { Sid: "ListKeyAliases", Effect: "Allow", Action: "kms:ListAliases", Resource: "*" },
    { Sid: "ReadAlarms", Effect: "Allow", Action: CLOUDWATCH_READ, Resource: arns.alarms },
    {
      Sid: "ReadDashboards",
      Effect: "Allow",
      Action: "cloudwatch:GetDashboard",
      Resource: arns.dashboards,
    },
    {
      Sid: "ReadCodeDeploy",
      Effect: "Allow",
      Action: CODEDEPLOY_READ,
      Resource: [...arns.codedeploy, ...arns.codedeployPredefinedConfigs],
    },
    { Sid: "ReadRules", Effect: "Allow", Action: EVENTS_READ, Resource: arns.rules },
    { Sid: "ReadTables", Effect: "Allow", Action: DYNAMODB_READ, Resource: arns.tables },
  ];
}

/** Statements of the plan role: read this stage's resources and its state; write nothing. */
export function planPolicyStatements(props: CiRolesProps): PolicyStatement[] {
  return [...stateStatements(props, "plan"), ...readStatements(props)];
}

function stageTagCondition(
  props: CiRolesProps,
  key: "aws:ResourceTag" | "aws:RequestTag",
): NonNullable<PolicyStatement["Condition"]> {
  return { StringEquals: { [`${key}/stage`]: props.stage, [`${key}/project`]: props.projectTag } };
}

/**
 * Statements of the deploy role: everything the plan role reads, plus apply and release of this
 * stage's resources (by name), pulling the shared image, and publishing to the stage's topic.
 * Roles it creates or changes carry the stage's permissions boundary, which it can neither
 * change nor remove; the CI roles themselves are out of its reach (Deny).
 */
export function deployPolicyStatements(props: CiRolesProps): PolicyStatement[] {
  const arns = stageResourceArns(props);
  const repository = props.imageRepository;
  const serviceRoles = ["lambda.amazonaws.com", "codedeploy.amazonaws.com"];
  const boundary = permissionsBoundaryArn(props.accountId, props.resourcePrefix);
  return [
    ...stateStatements(props, "deploy"),
    ...readStatements(props),
    { Sid: "ManageFunctions", Effect: "Allow", Action: LAMBDA_WRITE, Resource: arns.lambda },
    { Sid: "ManageLogGroups", Effect: "Allow", Action: LOGS_WRITE, Resource: arns.logGroups },
    {
      // A role created, given an inline policy or given a boundary must end up with this stage's
      // boundary: whatever the policy says, the role can do no more than the boundary allows.
      Sid: "GrantOnlyWithinStageBoundary",
      Effect: "Allow",
      Action: IAM_ROLE_GRANT,
      Resource: arns.roles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
    },
    { Sid: "ManageStageRoles", Effect: "Allow", Action: IAM_ROLE_WRITE, Resource: arns.roles },
    {
      // Only roles named after the stage, and only to Lambda and CodeDeploy. Every such role
      // carries the boundary: the deploy role can create or change a role only with it.
      Sid: "PassStageRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: arns.roles,
      Condition: { StringEquals: { "iam:PassedToService": serviceRoles } },
    },
    {
      // Belt and braces for the Allow above: whatever else is ever allowed, a role change that
      // grants permissions without this boundary is refused (also when the key is absent).
      Sid: "NeverGrantOutsideBoundary",
      Effect: "Deny",
      Action: [...IAM_ROLE_GRANT, "iam:AttachRolePolicy"],
      Resource: "*",
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundary } },
    },
    {
      Sid: "NeverRemoveBoundaries",
      Effect: "Deny",
      Action: "iam:DeleteRolePermissionsBoundary",
      Resource: "*",
    },
    {
      Sid: "NeverChangeTheBoundary",
      Effect: "Deny",
      Action: BOUNDARY_POLICY_CHANGES,
      Resource: boundary,
    },
    {
      Sid: "NeverTouchCiRoles",
      Effect: "Deny",
      Action: CI_ROLE_ESCALATION,
      Resource: arns.ciRoles,
    },
    { Sid: "ManageTopics", Effect: "Allow", Action: SNS_WRITE, Resource: arns.topics },
    {
      // No resource type either; Subscribe itself is scoped to the topic in ManageTopics.
      Sid: "ManageSubscriptions",
      Effect: "Allow",
      Action: ["sns:SetSubscriptionAttributes", "sns:Unsubscribe"],
      Resource: "*",
    },
    {
      // A key has no ARN before it exists: "*", but only for a key tagged with this stage. What
      // the role then does to the key is granted by the key's own policy, which names the role.
      Sid: "CreateStageKeys",
      Effect: "Allow",
      Action: "kms:CreateKey",
      Resource: "*",
      Condition: stageTagCondition(props, "aws:RequestTag"),
    },
    {
      // CreateKey with tags also needs kms:TagResource in an IAM policy (the key policy does not
      // exist yet). A key that already carries a stage tag must carry this stage's, so the role
      // cannot re-tag another stage's key.
      Sid: "TagNewStageKeys",
      Effect: "Allow",
      Action: "kms:TagResource",
      Resource: arns.kmsKeys,
      Condition: {
        ...stageTagCondition(props, "aws:RequestTag"),
        StringEqualsIfExists: { "aws:ResourceTag/stage": props.stage },
      },
    },
    {
      // CreateAlias/DeleteAlias authorise on the alias as well as on the key (key policy).
      Sid: "ManageStageKeyAliases",
      Effect: "Allow",
      Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
      Resource: arns.kmsAliases,
    },
    { Sid: "ManageAlarms", Effect: "Allow", Action: CLOUDWATCH_WRITE, Resource: arns.alarms },
    {
      // The release resets a canary alarm whose ALARM predates its re-pointing at the new version
      // (tools/release/canary-alarms.ts); no other alarm's state. Names as in stacks/names.ts.
      Sid: "ResetStaleCanaryAlarms",
      Effect: "Allow",
      Action: "cloudwatch:SetAlarmState",
      Resource: ["canary-errors", "canary-p99-duration"].map(
        (suffix) =>
          `arn:aws:cloudwatch:${props.region}:${props.accountId}:alarm:${props.resourcePrefix}-${suffix}`,
      ),
    },
    {
      Sid: "ManageDashboards",
      Effect: "Allow",
      Action: ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"],
      Resource: arns.dashboards,
    },
    {
      // CreateDeployment authorises on the deployment group, RegisterApplicationRevision and
      // GetApplicationRevision on the application, GetDeploymentConfig on the config.
      Sid: "ManageCodeDeploy",
      Effect: "Allow",
      Action: CODEDEPLOY_WRITE,
      Resource: arns.codedeploy,
    },
    {
      // The release command follows and stops deployments by id; these three actions have no
      // resource type, so AWS only matches them on "*" (the stage's account holds its deployments).
      Sid: "FollowAndStopDeployments",
      Effect: "Allow",
      Action: [
        "codedeploy:ListDeploymentTargets",
        "codedeploy:GetDeploymentTarget",
        "codedeploy:StopDeployment",
      ],
      Resource: "*",
    },
    {
      // `npm run deploy` checks the account's Lambda concurrency quota before it applies
      // (tools/release/deploy-preflight.ts): this one quota, read only.
      Sid: "ReadConcurrencyQuota",
      Effect: "Allow",
      Action: "servicequotas:GetServiceQuota",
      Resource: `arn:aws:servicequotas:${props.region}:${props.accountId}:${LAMBDA_CONCURRENCY_QUOTA.serviceCode}/${LAMBDA_CONCURRENCY_QUOTA.quotaCode}`,
    },
    {
      // The same figure from Lambda, when Service Quotas cannot answer; no resource type.
      Sid: "ReadLambdaAccountSettings",
      Effect: "Allow",
      Action: "lambda:GetAccountSettings",
      Resource: "*",
    },
    {
      // `npm run dora -- report --source aws` reads the recorder's records, and nothing else.
      Sid: "ReadDoraRecords",
      Effect: "Allow",
      Action: "logs:FilterLogEvents",
      Resource: arns.doraRecords,
    },
    { Sid: "ManageRules", Effect: "Allow", Action: EVENTS_WRITE, Resource: arns.rules },
    { Sid: "ManageTables", Effect: "Allow", Action: DYNAMODB_WRITE, Resource: arns.tables },
    {
      // Lambda checks that whoever creates or updates an image function can read the image.
      Sid: "PullSharedImage",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages"],
      Resource: `arn:aws:ecr:${repository.region}:${repository.accountId}:repository/${repository.name}`,
    },
  ];
}

/** The ARNs of a stage's two CI roles, for the policies that name them (KMS key policies). */
export interface CiRoleArns {
  readonly planRoleArn: string;
  readonly deployRoleArn: string;
}

export function ciRoleArns(accountId: string, resourcePrefix: string): CiRoleArns {
  return {
    planRoleArn: roleArn(accountId, planRoleName(resourcePrefix)),
    deployRoleArn: roleArn(accountId, deployRoleName(resourcePrefix)),
  };
}

/**
 * Key policy statements for a KMS key of the stage: the plan role reads it, the deploy role
 * manages and uses it. Named by ARN in the key's own policy, so they hold from the first call
 * after CreateKey and through tag changes (no `aws:ResourceTag` condition to wait for). The
 * roles exist before the key: an administrator creates them in the bootstrap stack.
 */
export function ciKeyPolicyStatements(roles: CiRoleArns): PolicyStatement[] {
  return [
    {
      Sid: "CiPlanRoleReadsKey",
      Effect: "Allow",
      Principal: { AWS: roles.planRoleArn },
      Action: KMS_KEY_READ,
      // In a key policy "*" means "this key".
      Resource: "*",
    },
    {
      Sid: "CiDeployRoleManagesKey",
      Effect: "Allow",
      Principal: { AWS: roles.deployRoleArn },
      Action: [...KMS_KEY_READ, ...KMS_KEY_WRITE],
      Resource: "*",
    },
  ];
}

/**
 * The two roles GitHub Actions assumes for one stage, and the stage's permissions boundary:
 * - `<prefix>-ci-plan`: pull requests (`repo:<owner>/<name>:pull_request`); reads this stage's
 *   resources and state, writes nothing (not even the lock: pull-request plans run with
 *   `-lock=false`).
 * - `<prefix>-ci-deploy`: only jobs of the stage's GitHub environment
 *   (`repo:<owner>/<name>:environment:<stage>`); applies and releases this stage's resources.
 * - `<prefix>-permissions-boundary`: what any role of the stage can do at most.
 *
 * Created by an administrator in the stack that bootstraps the stage's account (`shared` or
 * `bootstrap-<stage>`), never in the stage stack: CI's apply never touches them. Both roles trust
 * the account's GitHub OIDC provider.
 */
export class CiRoles extends Construct {
  readonly planRole: IamRole;
  readonly deployRole: IamRole;
  readonly boundary: IamPolicy;

  constructor(scope: Construct, id: string, props: CiRolesProps) {
    super(scope, id);
    this.boundary = new StagePermissionsBoundary(this, "boundary", {
      accountId: props.accountId,
      region: props.region,
      resourcePrefix: props.resourcePrefix,
    }).policy;
    const maxSessionDuration = props.maxSessionDurationSeconds ?? 3600;

    this.planRole = new IamRole(this, "plan-role", {
      name: planRoleName(props.resourcePrefix),
      description: `GitHub Actions pull-request plans of ${props.resourcePrefix} (read-only)`,
      maxSessionDuration,
      assumeRolePolicy: githubTrustPolicy(
        props.accountId,
        githubSubjectClaim(props.githubRepository, { kind: "pull_request" }),
      ),
    });
    new IamRolePolicy(this, "plan-policy", {
      name: "terraform-plan",
      role: this.planRole.id,
      policy: policyDocument(planPolicyStatements(props)),
    });

    this.deployRole = new IamRole(this, "deploy-role", {
      name: deployRoleName(props.resourcePrefix),
      description: `GitHub Actions deployments of ${props.resourcePrefix} (environment ${props.githubEnvironment})`,
      maxSessionDuration,
      assumeRolePolicy: githubTrustPolicy(
        props.accountId,
        githubSubjectClaim(props.githubRepository, {
          kind: "environment",
          environment: props.githubEnvironment,
        }),
      ),
    });
    new IamRolePolicy(this, "deploy-policy", {
      name: "terraform-apply-and-release",
      role: this.deployRole.id,
      policy: policyDocument(deployPolicyStatements(props)),
    });
  }
}
