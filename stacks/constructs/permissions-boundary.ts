import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { type PolicyStatement, policyDocument } from "./policy-document";

/** `<prefix>-permissions-boundary`: the managed policy every role of the stage carries. */
export function permissionsBoundaryName(resourcePrefix: string): string {
  return `${resourcePrefix}-permissions-boundary`;
}

/** Built as a string, so a stage stack names its boundary without a cross-stack reference. */
export function permissionsBoundaryArn(accountId: string, resourcePrefix: string): string {
  return `arn:aws:iam::${accountId}:policy/${permissionsBoundaryName(resourcePrefix)}`;
}

export interface StagePermissionsBoundaryProps {
  readonly accountId: string;
  readonly region: string;
  /** Name stem of every resource the stage owns, e.g. `agnostic-lambda-core-dev`. */
  readonly resourcePrefix: string;
}

/**
 * The most any role of the stage may do, whatever policies it is given: the union of what the
 * stage's roles use (functions writing their logs and traces, hooks invoking versions and
 * reporting to the deployment group, CodeDeploy shifting the alias, the recorder claiming events),
 * each on this stage's resources only. No IAM, STS, KMS or S3 action: a role the deploy role
 * creates can never reach further than this, even with `"Action": "*"` inline.
 */
export function permissionsBoundaryStatements(
  props: StagePermissionsBoundaryProps,
): PolicyStatement[] {
  const { accountId: account, region, resourcePrefix: prefix } = props;
  const named = (base: string) => [`${base}${prefix}`, `${base}${prefix}-*`];
  const functions = [
    ...named(`arn:aws:lambda:${region}:${account}:function:`),
    // Versions and aliases, of the service (`<prefix>:<qualifier>`) and of the other functions.
    `arn:aws:lambda:${region}:${account}:function:${prefix}:*`,
  ];
  const codedeploy = `arn:aws:codedeploy:${region}:${account}`;
  return [
    {
      Sid: "WriteStageFunctionLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: named(`arn:aws:logs:${region}:${account}:log-group:/aws/lambda/`).map(
        (arn) => `${arn}:*`,
      ),
    },
    {
      Sid: "Tracing",
      Effect: "Allow",
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      // X-Ray has no resource-level permissions for these actions: AWS requires "*".
      Resource: "*",
    },
    {
      Sid: "UseStageFunctions",
      Effect: "Allow",
      Action: [
        "lambda:InvokeFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetAlias",
        "lambda:UpdateAlias",
        "lambda:GetProvisionedConcurrencyConfig",
      ],
      Resource: functions,
    },
    {
      Sid: "StageDeployments",
      Effect: "Allow",
      Action: [
        "codedeploy:GetDeployment",
        "codedeploy:PutLifecycleEventHookExecutionStatus",
        "codedeploy:GetApplicationRevision",
      ],
      Resource: [
        ...named(`${codedeploy}:application:`),
        `${codedeploy}:deploymentgroup:${prefix}/*`,
        `${codedeploy}:deploymentgroup:${prefix}-*`,
      ],
    },
    {
      Sid: "ReadStageAlarms",
      Effect: "Allow",
      Action: "cloudwatch:DescribeAlarms",
      Resource: named(`arn:aws:cloudwatch:${region}:${account}:alarm:`),
    },
    {
      Sid: "ClaimInStageTables",
      Effect: "Allow",
      Action: "dynamodb:PutItem",
      Resource: `arn:aws:dynamodb:${region}:${account}:table/${prefix}-*`,
    },
  ];
}

/**
 * The permissions boundary of one stage: a managed policy, created with the CI roles by an
 * administrator (never by CI). The deploy role may create or change a role only with this
 * boundary attached, and may never change the policy or take it off a role.
 */
export class StagePermissionsBoundary extends Construct {
  readonly policy: IamPolicy;

  constructor(scope: Construct, id: string, props: StagePermissionsBoundaryProps) {
    super(scope, id);
    this.policy = new IamPolicy(this, "policy", {
      name: permissionsBoundaryName(props.resourcePrefix),
      description: `Permissions boundary of every role of ${props.resourcePrefix}`,
      policy: policyDocument(permissionsBoundaryStatements(props)),
    });
  }
}
