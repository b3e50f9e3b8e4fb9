/**
 * Fixture factories for the guardrail tests: a small purpose-built stack with a compliant AWS
 * provider and the guardrails applied, compliant versions of the resources the rules inspect
 * (so a test breaks exactly one thing), and a synth helper that returns the error text.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import {
  CloudwatchMetricAlarm,
  type CloudwatchMetricAlarmConfig,
} from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CodedeployApp } from "@cdktf/provider-aws/lib/codedeploy-app";
import {
  CodedeployDeploymentGroup,
  type CodedeployDeploymentGroupConfig,
} from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import { EcrRepository, type EcrRepositoryConfig } from "@cdktf/provider-aws/lib/ecr-repository";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaFunction, type LambdaFunctionConfig } from "@cdktf/provider-aws/lib/lambda-function";
import {
  LambdaFunctionUrl,
  type LambdaFunctionUrlConfig,
} from "@cdktf/provider-aws/lib/lambda-function-url";
import { AwsProvider, type AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { StageName } from "../config";
import { applyGuardrails, type GuardrailOptions, type Guardrails } from "../guardrails/index";

export const TEST_ACCOUNT_ID = "222222222222";
export const TEST_REGION = "eu-west-1";

export interface GuardedStack {
  readonly app: App;
  readonly stack: TerraformStack;
  readonly provider: AwsProvider;
  readonly guardrails: Guardrails;
  /** Lines the guardrails printed (waivers), instead of stderr. */
  readonly reports: string[];
}

const outdirs: string[] = [];

/** Removes every output directory made by {@link makeGuardedStack}; call it in `afterAll`. */
export function removeGuardedStackOutdirs(): void {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
}

/**
 * An app with one stack `s` holding a compliant AWS provider (pinned account, the three required
 * default tags), with the guardrails applied. `provider` overrides provider settings.
 */
export function makeGuardedStack(
  options: {
    readonly stage?: StageName;
    readonly publicFunctionUrl?: boolean;
    readonly provider?: Partial<AwsProviderConfig>;
  } = {},
): GuardedStack {
  // Set by the cdktf CLI only; a stray value would turn synth errors into a silent pass.
  delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  const outdir = mkdtempSync(join(tmpdir(), "guardrails-"));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "s");
  const provider = new AwsProvider(stack, "aws", {
    region: TEST_REGION,
    allowedAccountIds: [TEST_ACCOUNT_ID],
    defaultTags: [
      {
        tags: {
          project: "agnostic-lambda-core",
          stage: options.stage ?? "shared",
          "managed-by": "terraform-cdk",
        },
      },
    ],
    ...options.provider,
  });
  const reports: string[] = [];
  const guardrailOptions: GuardrailOptions = {
    stage: options.stage,
    publicFunctionUrl: options.publicFunctionUrl ?? false,
    accountId: TEST_ACCOUNT_ID,
    report: (line) => reports.push(line),
  };
  const guardrails = applyGuardrails(stack, guardrailOptions);
  return { app, stack, provider, guardrails, reports };
}

/** Synthesizes the app; the error text if synth refused, `undefined` if it wrote the stacks. */
export function synthError(app: App): string | undefined {
  try {
    app.synth();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const ACCOUNT_ROOT = `arn:aws:iam::${TEST_ACCOUNT_ID}:root`;

/** A JSON policy document, as the project's constructs write them. */
export function policyJson(statements: readonly Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export function lambdaTrustPolicy(): string {
  return policyJson([
    {
      Effect: "Allow",
      Principal: { Service: "lambda.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT_ID } },
    },
  ]);
}

export function makeRole(stack: TerraformStack, id = "role"): IamRole {
  return new IamRole(stack, id, { name: id, assumeRolePolicy: lambdaTrustPolicy() });
}

/** A role policy whose statements are given; the default one is scoped and compliant. */
export function makeRolePolicy(
  stack: TerraformStack,
  statements: readonly Record<string, unknown>[] = [
    {
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT_ID}:log-group:/aws/lambda/f:*`,
    },
  ],
  id = "role-policy",
): IamRolePolicy {
  return new IamRolePolicy(stack, id, {
    name: id,
    role: makeRole(stack, `${id}-role`).id,
    policy: policyJson(statements),
  });
}

export function makeTopic(scope: Construct, kms = true, id = "topic"): SnsTopic {
  return new SnsTopic(scope, id, {
    name: id,
    kmsMasterKeyId: kms ? `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT_ID}:key/k` : undefined,
  });
}

/** A log group; `retentionInDays: null` leaves the retention unset. */
export function makeLogGroup(
  stack: TerraformStack,
  retentionInDays: number | null = 30,
  id = "log-group",
): CloudwatchLogGroup {
  return new CloudwatchLogGroup(stack, id, {
    name: `/aws/lambda/${id}`,
    retentionInDays: retentionInDays ?? undefined,
  });
}

export function makeRepository(
  stack: TerraformStack,
  overrides: Partial<EcrRepositoryConfig> = {},
): EcrRepository {
  return new EcrRepository(stack, "repository", {
    name: "repository",
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
    ...overrides,
  });
}

export function makeAlarm(
  stack: TerraformStack,
  overrides: Partial<CloudwatchMetricAlarmConfig> = {},
  id = "alarm",
): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(stack, id, {
    alarmName: id,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    statistic: "Sum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    alarmActions: [`arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT_ID}:topic`],
    ...overrides,
  });
}

export interface ServedFunction {
  readonly lambda: LambdaFunction;
  readonly alias: LambdaAlias;
  readonly url: LambdaFunctionUrl;
}

/** A function with an alias and a Function URL on it, like the stage service. */
export function makeServedFunction(
  stack: TerraformStack,
  overrides: {
    readonly lambda?: Partial<LambdaFunctionConfig>;
    readonly url?: Partial<LambdaFunctionUrlConfig>;
  } = {},
  id = "service",
): ServedFunction {
  const lambda = makeFunction(stack, overrides.lambda, id);
  const alias = new LambdaAlias(stack, `${id}-alias`, {
    name: "live",
    functionName: lambda.functionName,
    functionVersion: lambda.version,
  });
  const url = new LambdaFunctionUrl(stack, `${id}-url`, {
    functionName: lambda.functionName,
    qualifier: alias.name,
    authorizationType: "AWS_IAM",
    ...overrides.url,
  });
  return { lambda, alias, url };
}

export function makeFunction(
  stack: TerraformStack,
  overrides: Partial<LambdaFunctionConfig> = {},
  id = "function",
): LambdaFunction {
  return new LambdaFunction(stack, id, {
    functionName: id,
    role: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${id}`,
    packageType: "Image",
    imageUri: `${TEST_ACCOUNT_ID}.dkr.ecr.${TEST_REGION}.amazonaws.com/repository:v1`,
    reservedConcurrentExecutions: 10,
    ...overrides,
  });
}

/** A CodeDeploy deployment group that rolls back on the given alarm (compliant by default). */
export function makeDeploymentGroup(
  stack: TerraformStack,
  alarm: CloudwatchMetricAlarm,
  overrides: Partial<CodedeployDeploymentGroupConfig> = {},
): CodedeployDeploymentGroup {
  const application = new CodedeployApp(stack, "codedeploy-app", {
    name: "app",
    computePlatform: "Lambda",
  });
  return new CodedeployDeploymentGroup(stack, "deployment-group", {
    appName: application.name,
    deploymentGroupName: "live",
    serviceRoleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/codedeploy`,
    deploymentConfigName: "CodeDeployDefault.LambdaAllAtOnce",
    deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
    autoRollbackConfiguration: {
      enabled: true,
      events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    },
    alarmConfiguration: { enabled: true, alarms: [alarm.alarmName] },
    ...overrides,
  });
}

export { ACCOUNT_ROOT };
