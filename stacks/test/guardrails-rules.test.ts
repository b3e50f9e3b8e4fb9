/**
 * Each rule, made to fire on a small purpose-built stack: synth must fail, and the error must
 * name the rule id and the path of the offending resource (and only that rule). The second table
 * shows what each rule deliberately accepts, so a rule that fires on everything fails here too.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import type { AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Fn, type TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import { afterAll, describe, expect, it } from "vitest";
import type { StageName } from "../config";
import { githubTrustPolicy } from "../constructs/ci-roles";
import { GithubOidcProvider } from "../constructs/github-oidc-provider";
import { RULE_IDS, RULES, type RuleId, waive } from "../guardrails/index";
import {
  ACCOUNT_ROOT,
  makeAlarm,
  makeDeploymentGroup,
  makeFunction,
  makeGuardedStack,
  makeLogGroup,
  makeRepository,
  makeRole,
  makeRolePolicy,
  makeServedFunction,
  makeTopic,
  policyJson,
  removeGuardedStackOutdirs,
  synthError,
  TEST_ACCOUNT_ID,
} from "./guardrail-fixtures";

afterAll(removeGuardedStackOutdirs);

/** The rule ids an error names, in order, without repeats. */
function ruleIdsIn(error: string | undefined): string[] {
  return [...new Set([...(error ?? "").matchAll(/\] \[(ALC\d{3})\] /g)].map((m) => m[1] ?? ""))];
}

interface BreakingCase {
  readonly name: string;
  readonly ruleId: RuleId;
  readonly stage?: StageName;
  readonly publicFunctionUrl?: boolean;
  /** Replaces settings of the fixture's compliant provider. */
  readonly provider?: Partial<AwsProviderConfig>;
  /** Adds the offending construct to the stack and returns it (its path must be in the error). */
  readonly arrange: (stack: TerraformStack) => IConstruct;
  /** A fragment of the problem description. */
  readonly problem: string;
}

const S3_BUCKET_ARN = "arn:aws:s3:::agnostic-lambda-core-artifacts";
const CANARY_WAIVER_REASON =
  "Canary alarm: its action is CodeDeploy's automatic rollback; paging would duplicate the release's report";

/**
 * A role trusting an OIDC provider of the same stack (a reference, unknown at synth) through
 * sts:AssumeRoleWithWebIdentity, with one `aud` condition under `audienceKey`.
 */
function makeWebIdentityRole(stack: TerraformStack, id: string, audienceKey: string): IamRole {
  const provider = new IamOpenidConnectProvider(stack, "oidc", {
    url: "https://oidc.example.com",
    clientIdList: ["sts.amazonaws.com"],
  });
  return new IamRole(stack, id, {
    name: id,
    assumeRolePolicy: Fn.jsonencode({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: provider.arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [audienceKey]: "sts.amazonaws.com" } },
        },
      ],
    }),
  });
}

const breakingCases: readonly BreakingCase[] = [
  {
    name: "an SNS topic has no KMS key",
    ruleId: "ALC001",
    arrange: (stack) => makeTopic(stack, false),
    problem: "kms_master_key_id is not set",
  },
  {
    name: "a log group has no retention",
    ruleId: "ALC002",
    arrange: (stack) => makeLogGroup(stack, null),
    problem: "retention_in_days is not set",
  },
  {
    name: "a log group's retention is 0 (never expire)",
    ruleId: "ALC002",
    arrange: (stack) => makeLogGroup(stack, 0),
    problem: "retention_in_days is 0",
  },
  {
    name: "an ECR repository has mutable tags",
    ruleId: "ALC003",
    arrange: (stack) => makeRepository(stack, { imageTagMutability: "MUTABLE" }),
    problem: 'image_tag_mutability is "MUTABLE"',
  },
  {
    name: "an ECR repository does not scan on push",
    ruleId: "ALC003",
    arrange: (stack) =>
      makeRepository(stack, { imageScanningConfiguration: { scanOnPush: false } }),
    problem: "scan_on_push is not true",
  },
  {
    name: 'a role policy allows a service-wide wildcard ("s3:*")',
    ruleId: "ALC004",
    arrange: (stack) =>
      makeRolePolicy(stack, [{ Effect: "Allow", Action: "s3:*", Resource: S3_BUCKET_ARN }]),
    problem: 'allows "s3:*"',
  },
  {
    name: 'a role policy allows Action "*"',
    ruleId: "ALC004",
    arrange: (stack) =>
      makeRolePolicy(stack, [{ Effect: "Allow", Action: ["*"], Resource: S3_BUCKET_ARN }]),
    problem: 'allows "*"',
  },
  {
    name: 'a role policy allows a scoped action on Resource "*"',
    ruleId: "ALC004",
    arrange: (stack) =>
      makeRolePolicy(stack, [
        { Sid: "ReadEverything", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
      ]),
    problem: 'statement "ReadEverything" allows "s3:GetObject" on Resource "*"',
  },
  {
    name: "cloudwatch:PutMetricData has no namespace condition",
    ruleId: "ALC004",
    arrange: (stack) =>
      makeRolePolicy(stack, [
        { Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*" },
      ]),
    problem: '"cloudwatch:PutMetricData" on Resource "*"',
  },
  {
    name: "an Allow statement uses NotAction",
    ruleId: "ALC004",
    arrange: (stack) =>
      makeRolePolicy(stack, [
        { Effect: "Allow", NotAction: "iam:*", Resource: S3_BUCKET_ARN, Action: [] },
      ]),
    problem: "uses NotAction with Allow",
  },
  {
    name: "an aws_iam_policy is built from an aws_iam_policy_document with iam:*",
    ruleId: "ALC004",
    arrange: (stack) => {
      const document = new DataAwsIamPolicyDocument(stack, "document", {
        statement: [{ actions: ["iam:*"], resources: [S3_BUCKET_ARN] }],
      });
      return new IamPolicy(stack, "managed-policy", { name: "p", policy: document.json });
    },
    problem: 'allows "iam:*"',
  },
  {
    name: "a policy document pulls a wildcard in through source_policy_documents",
    ruleId: "ALC004",
    arrange: (stack) => {
      const base = new DataAwsIamPolicyDocument(stack, "base", {
        statement: [{ actions: ["kms:*"], resources: [S3_BUCKET_ARN] }],
      });
      const document = new DataAwsIamPolicyDocument(stack, "document", {
        sourcePolicyDocuments: [base.json],
        statement: [{ actions: ["s3:GetObject"], resources: [S3_BUCKET_ARN] }],
      });
      return new IamPolicy(stack, "managed-policy", { name: "p", policy: document.json });
    },
    problem: 'allows "kms:*"',
  },
  {
    name: "a role's inline policy is a jsonencode() call with Action *",
    ruleId: "ALC004",
    arrange: (stack) =>
      new IamRole(stack, "inline-role", {
        name: "inline-role",
        assumeRolePolicy: policyJson([
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ]),
        inlinePolicy: [
          {
            name: "everything",
            policy: Fn.jsonencode({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "*", Resource: S3_BUCKET_ARN }],
            }),
          },
        ],
      }),
    problem: 'inline_policy "everything": statement 1 allows "*"',
  },
  {
    name: "a role attaches an AWS managed policy",
    ruleId: "ALC004",
    arrange: (stack) =>
      new IamRolePolicyAttachment(stack, "admin", {
        role: makeRole(stack).name,
        policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    problem: "attaches arn:aws:iam::aws:policy/AdministratorAccess",
  },
  {
    name: "a policy comes from a file the guardrails cannot read at synth",
    ruleId: "ALC004",
    arrange: (stack) =>
      new IamPolicy(stack, "file-policy", { name: "p", policy: Fn.file("policy.json") }),
    problem: "cannot be checked at synth time",
  },
  {
    name: 'a topic policy allows the account "sns:*"',
    ruleId: "ALC004",
    arrange: (stack) => {
      const topic = makeTopic(stack);
      return new SnsTopicPolicy(stack, "topic-policy", {
        arn: topic.arn,
        policy: policyJson([
          {
            Effect: "Allow",
            Principal: { AWS: ACCOUNT_ROOT },
            Action: "sns:*",
            Resource: topic.arn,
          },
        ]),
      });
    },
    problem: 'policy: statement 1 allows "sns:*"',
  },
  {
    name: 'a bucket policy allows the account "s3:*"',
    ruleId: "ALC004",
    arrange: (stack) =>
      new S3BucketPolicy(stack, "bucket-policy", {
        bucket: "agnostic-lambda-core-artifacts",
        policy: policyJson([
          {
            Sid: "AccountUsesBucket",
            Effect: "Allow",
            Principal: { AWS: ACCOUNT_ROOT },
            Action: "s3:*",
            Resource: [S3_BUCKET_ARN, `${S3_BUCKET_ARN}/*`],
          },
        ]),
      }),
    problem: 'policy: statement "AccountUsesBucket" allows "s3:*"',
  },
  {
    name: 'a KMS key policy gives the account "kms:*" (AWS\'s default statement)',
    ruleId: "ALC004",
    arrange: (stack) =>
      new KmsKey(stack, "key", {
        enableKeyRotation: true,
        policy: policyJson([
          {
            Sid: "EnableIamPolicies",
            Effect: "Allow",
            Principal: { AWS: ACCOUNT_ROOT },
            Action: "kms:*",
            Resource: "*",
          },
        ]),
      }),
    problem: 'policy: statement "EnableIamPolicies" allows "kms:*"',
  },
  {
    name: 'an ECR repository policy lets the account "ecr:*"',
    ruleId: "ALC004",
    arrange: (stack) =>
      new EcrRepositoryPolicy(stack, "repository-policy", {
        repository: makeRepository(stack).name,
        policy: policyJson([
          { Effect: "Allow", Principal: { AWS: ACCOUNT_ROOT }, Action: "ecr:*" },
        ]),
      }),
    problem: 'policy: statement 1 allows "ecr:*"',
  },
  {
    name: 'a trust policy allows "sts:*"',
    ruleId: "ALC004",
    arrange: (stack) =>
      new IamRole(stack, "wide-trust-role", {
        name: "wide-trust-role",
        assumeRolePolicy: policyJson([
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:*" },
        ]),
      }),
    problem: 'assume_role_policy: statement 1 allows "sts:*"',
  },
  {
    name: 'a Lambda permission grants "lambda:*"',
    ruleId: "ALC004",
    arrange: (stack) =>
      new LambdaPermission(stack, "wide-permission", {
        action: "lambda:*",
        functionName: makeFunction(stack).functionName,
        principal: ACCOUNT_ROOT,
      }),
    problem: 'action "lambda:*" grants a whole service',
  },
  {
    name: "a Function URL has no qualifier (it serves $LATEST)",
    ruleId: "ALC005",
    arrange: (stack) => makeServedFunction(stack, { url: { qualifier: undefined } }).url,
    problem: "qualifier is not set",
  },
  {
    name: "a Function URL is bound to $LATEST",
    ruleId: "ALC005",
    arrange: (stack) => makeServedFunction(stack, { url: { qualifier: "$LATEST" } }).url,
    problem: 'qualifier is "$LATEST"',
  },
  {
    name: "a Function URL is public although the stage config does not say so",
    ruleId: "ALC005",
    stage: "dev",
    publicFunctionUrl: false,
    arrange: (stack) => makeServedFunction(stack, { url: { authorizationType: "NONE" } }).url,
    problem: "authorization_type is NONE but the stage config of dev does not declare",
  },
  {
    name: "an alarm has no alarm action",
    ruleId: "ALC006",
    arrange: (stack) => makeAlarm(stack, { alarmActions: [] }),
    problem: "alarm_actions is empty",
  },
  {
    name: "an alarm with no action is watched by a test deployment group but has no waiver",
    ruleId: "ALC006",
    stage: "test",
    arrange: (stack) => {
      makeServedFunction(stack);
      const canary = makeAlarm(stack, { alarmActions: [] }, "canary-errors");
      makeDeploymentGroup(stack, canary);
      return canary;
    },
    problem: "alarm_actions is empty",
  },
  {
    name: "an alarm's actions are disabled",
    ruleId: "ALC006",
    arrange: (stack) => makeAlarm(stack, { actionsEnabled: false }),
    problem: "actions_enabled is false",
  },
  {
    name: "a test deployment group does not roll back on alarm",
    ruleId: "ALC007",
    stage: "test",
    arrange: (stack) => {
      makeServedFunction(stack);
      return makeDeploymentGroup(stack, makeAlarm(stack), {
        autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] },
      });
    },
    problem: "does not include DEPLOYMENT_STOP_ON_ALARM",
  },
  {
    name: "a prod deployment group watches no alarm",
    ruleId: "ALC007",
    stage: "prod",
    arrange: (stack) => {
      makeServedFunction(stack);
      return makeDeploymentGroup(stack, makeAlarm(stack), {
        alarmConfiguration: { enabled: true, alarms: [] },
      });
    },
    problem: "alarm_configuration.alarms is empty",
  },
  {
    name: "a prod stack serves a Function URL without any deployment group",
    ruleId: "ALC007",
    stage: "prod",
    arrange: (stack) => {
      makeServedFunction(stack);
      return stack;
    },
    problem: "has no CodeDeploy deployment group",
  },
  {
    name: "the prod function behind the URL has no reserved concurrency",
    ruleId: "ALC008",
    stage: "prod",
    arrange: (stack) => {
      const { lambda } = makeServedFunction(stack, {
        lambda: { reservedConcurrentExecutions: undefined },
      });
      makeDeploymentGroup(stack, makeAlarm(stack));
      return lambda;
    },
    problem: "reserved_concurrent_executions is not set",
  },
  {
    name: "a prod log group keeps logs for 7 days",
    ruleId: "ALC009",
    stage: "prod",
    arrange: (stack) => makeLogGroup(stack, 7),
    problem: "retention_in_days is 7, below 30",
  },
  {
    name: "a resource has no tags and the provider no default_tags",
    ruleId: "ALC010",
    provider: { defaultTags: undefined },
    arrange: (stack) => makeTopic(stack),
    problem: "missing tags project, stage, managed-by",
  },
  {
    name: "a resource's own stage tag names another stage",
    ruleId: "ALC010",
    stage: "test",
    arrange: (stack) => {
      const topic = makeTopic(stack);
      topic.tags = { stage: "prod" };
      return topic;
    },
    problem: 'tag stage is "prod" in the test stack',
  },
  {
    name: "an escape-hatch override changes a resource's stage tag",
    ruleId: "ALC010",
    stage: "test",
    arrange: (stack) => {
      const topic = makeTopic(stack);
      topic.addOverride("tags.stage", "dev");
      return topic;
    },
    problem: 'tag stage is "dev" in the test stack',
  },
  {
    name: "an escape-hatch override removes a topic's KMS key",
    ruleId: "ALC001",
    arrange: (stack) => {
      const topic = makeTopic(stack);
      topic.addOverride("kms_master_key_id", "");
      return topic;
    },
    problem: "kms_master_key_id is not set",
  },
  {
    name: "the provider has no allowed_account_ids",
    ruleId: "ALC011",
    provider: { allowedAccountIds: undefined },
    arrange: (stack) => stack.node.findChild("aws"),
    problem: "allowed_account_ids is not set",
  },
  {
    name: "the provider pins another account than the stage config's",
    ruleId: "ALC011",
    provider: { allowedAccountIds: ["333333333333"] },
    arrange: (stack) => stack.node.findChild("aws"),
    problem: 'expected exactly ["222222222222"]',
  },
  {
    name: 'a trust policy allows Principal "*" without a condition',
    ruleId: "ALC012",
    arrange: (stack) =>
      new IamRole(stack, "open-role", {
        name: "open-role",
        assumeRolePolicy: policyJson([
          { Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" },
        ]),
      }),
    problem: 'assume_role_policy: statement 1 allows Principal "*" without a condition',
  },
  {
    name: 'a topic policy lets {"AWS": "*"} publish without a condition',
    ruleId: "ALC012",
    arrange: (stack) => {
      const topic = makeTopic(stack);
      return new SnsTopicPolicy(stack, "topic-policy", {
        arn: topic.arn,
        policy: policyJson([
          { Effect: "Allow", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: topic.arn },
        ]),
      });
    },
    problem: 'policy: statement 1 allows Principal "*"',
  },
  {
    name: 'a Lambda permission lets principal "*" invoke the function with no condition',
    ruleId: "ALC012",
    arrange: (stack) =>
      new LambdaPermission(stack, "anyone-invokes", {
        action: "lambda:InvokeFunction",
        functionName: makeFunction(stack).functionName,
        principal: "*",
      }),
    problem: 'any AWS account may call "lambda:InvokeFunction"',
  },
  {
    name: "a dev stack defines a role that GitHub Actions assumes through the OIDC provider",
    ruleId: "ALC013",
    stage: "dev",
    arrange: (stack) =>
      new IamRole(stack, "github-role", {
        name: "github-role",
        assumeRolePolicy: githubTrustPolicy(TEST_ACCOUNT_ID, "repo:o/r:pull_request"),
      }),
    problem: "assume_role_policy: statement 1 trusts the GitHub OIDC provider",
  },
  {
    name: "a prod stack's role checks GitHub OIDC claims of a provider given as a reference",
    ruleId: "ALC013",
    stage: "prod",
    arrange: (stack) =>
      makeWebIdentityRole(stack, "claims-role", "token.actions.githubusercontent.com:aud"),
    problem: "statement 1 checks GitHub OIDC claims",
  },
  {
    name: "a test stack's role trusts an OIDC provider resource with sts:AssumeRoleWithWebIdentity",
    ruleId: "ALC013",
    stage: "test",
    arrange: (stack) => makeWebIdentityRole(stack, "web-identity-role", "oidc.example.com:aud"),
    problem: "trusts an OIDC provider given as a reference",
  },
  {
    name: "a dev stack's role follows the CI role naming convention",
    ruleId: "ALC013",
    stage: "dev",
    arrange: (stack) => makeRole(stack, "agnostic-lambda-core-dev-ci-deploy"),
    problem: 'name "agnostic-lambda-core-dev-ci-deploy" follows the CI role naming convention',
  },
  {
    name: "a dev stack puts a policy on a CI role by name",
    ruleId: "ALC013",
    stage: "dev",
    arrange: (stack) =>
      new IamRolePolicy(stack, "widen-ci-role", {
        name: "widen-ci-role",
        role: "agnostic-lambda-core-dev-ci-plan",
        policy: policyJson([
          { Effect: "Allow", Action: "s3:GetObject", Resource: `${S3_BUCKET_ARN}/*` },
        ]),
      }),
    problem: 'puts a policy on the CI role "agnostic-lambda-core-dev-ci-plan"',
  },
  {
    name: "a test stack defines the GitHub OIDC provider",
    ruleId: "ALC013",
    stage: "test",
    arrange: (stack) => new GithubOidcProvider(stack, "github-oidc").provider,
    problem: "the GitHub OIDC provider (https://token.actions.githubusercontent.com)",
  },
];

describe("each guardrail refuses a stack that breaks it", () => {
  it.each(breakingCases)("$ruleId: synth fails when $name", (testCase) => {
    const { app, stack } = makeGuardedStack({
      stage: testCase.stage,
      publicFunctionUrl: testCase.publicFunctionUrl,
      provider: testCase.provider,
    });
    const offending = testCase.arrange(stack);

    const error = synthError(app);

    expect(error, "synth should have failed").toBeDefined();
    expect(error).toContain(`[${offending.node.path}] [${testCase.ruleId}] `);
    expect(error).toContain(testCase.problem);
    expect(error).toContain("Fix: ");
    expect(ruleIdsIn(error)).toEqual([testCase.ruleId]);
  });

  it("covers every rule id with at least one breaking case", () => {
    const covered = new Set(breakingCases.map((testCase) => testCase.ruleId));

    expect(RULE_IDS.filter((id) => !covered.has(id))).toEqual([]);
  });
});

interface PassingCase {
  readonly name: string;
  readonly stage?: StageName;
  readonly publicFunctionUrl?: boolean;
  readonly provider?: Partial<AwsProviderConfig>;
  readonly arrange: (stack: TerraformStack) => void;
}

const passingCases: readonly PassingCase[] = [
  {
    name: "a stack of no stage (shared, bootstrap-<stage>) defines the CI roles and the GitHub OIDC provider",
    arrange: (stack) => {
      new GithubOidcProvider(stack, "github-oidc");
      new IamRole(stack, "agnostic-lambda-core-dev-ci-plan", {
        name: "agnostic-lambda-core-dev-ci-plan",
        assumeRolePolicy: githubTrustPolicy(TEST_ACCOUNT_ID, "repo:o/r:pull_request"),
      });
    },
  },
  {
    name: "a stage stack's service role is assumed by Lambda, not by GitHub Actions",
    stage: "prod",
    arrange: (stack) => {
      makeRole(stack, "agnostic-lambda-core-prod-service");
    },
  },
  {
    name: 'cloudwatch:PutMetricData on "*" carries a cloudwatch:namespace condition',
    arrange: (stack) =>
      makeRolePolicy(stack, [
        {
          Effect: "Allow",
          Action: "cloudwatch:PutMetricData",
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": "AgnosticLambdaCore/DORA" } },
        },
      ]),
  },
  {
    name: 'X-Ray tracing actions use Resource "*" (no resource-level permissions exist)',
    arrange: (stack) =>
      makeRolePolicy(stack, [
        {
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          Resource: "*",
        },
      ]),
  },
  {
    name: 'a Deny statement names Action "*" and Resource "*"',
    arrange: (stack) =>
      makeRolePolicy(stack, [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
  },
  {
    name: "a policy document data source grants scoped actions",
    arrange: (stack) => {
      const document = new DataAwsIamPolicyDocument(stack, "document", {
        statement: [{ actions: ["s3:GetObject"], resources: [`${S3_BUCKET_ARN}/*`] }],
      });
      new IamPolicy(stack, "managed-policy", { name: "p", policy: document.json });
    },
  },
  {
    name: "a canary alarm with no action, watched by a test deployment group, carries an ALC006 waiver",
    stage: "test",
    arrange: (stack) => {
      makeServedFunction(stack);
      const canary = makeAlarm(stack, { alarmActions: [] }, "canary-errors");
      waive(canary, "ALC006", CANARY_WAIVER_REASON);
      makeDeploymentGroup(stack, canary);
    },
  },
  {
    name: 'a key policy names the account\'s actions on Resource "*" (in a key policy: this key)',
    arrange: (stack) =>
      new KmsKey(stack, "key", {
        enableKeyRotation: true,
        policy: policyJson([
          {
            Effect: "Allow",
            Principal: { AWS: ACCOUNT_ROOT },
            Action: ["kms:DescribeKey", "kms:Get*", "kms:PutKeyPolicy", "kms:Decrypt"],
            Resource: "*",
          },
        ]),
      }),
  },
  {
    name: 'a bucket policy denies "s3:*" over insecure transport',
    arrange: (stack) =>
      new S3BucketPolicy(stack, "bucket-policy", {
        bucket: "agnostic-lambda-core-artifacts",
        policy: policyJson([
          {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [S3_BUCKET_ARN, `${S3_BUCKET_ARN}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ]),
      }),
  },
  {
    name: "a hook function without a Function URL has no reserved concurrency in prod",
    stage: "prod",
    arrange: (stack) => {
      makeServedFunction(stack);
      makeDeploymentGroup(stack, makeAlarm(stack));
      makeFunction(stack, { reservedConcurrentExecutions: undefined }, "pre-traffic-hook");
    },
  },
  {
    name: "a dev deployment group without alarms and a dev log group of 7 days",
    stage: "dev",
    arrange: (stack) => {
      makeServedFunction(stack, { lambda: { reservedConcurrentExecutions: undefined } });
      makeDeploymentGroup(stack, makeAlarm(stack), {
        autoRollbackConfiguration: { enabled: false },
        alarmConfiguration: { enabled: false, alarms: [] },
      });
      makeLogGroup(stack, 7);
    },
  },
  {
    name: 'a trust policy allows Principal "*" narrowed by aws:PrincipalOrgID',
    arrange: (stack) =>
      new IamRole(stack, "org-role", {
        name: "org-role",
        assumeRolePolicy: policyJson([
          {
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abcdefghij" } },
          },
        ]),
      }),
  },
  {
    name: "a public Function URL and its NONE permission where the stage config declares it",
    stage: "dev",
    publicFunctionUrl: true,
    arrange: (stack) => {
      const { lambda, alias } = makeServedFunction(stack, {
        url: { authorizationType: "NONE" },
      });
      new LambdaPermission(stack, "public-url", {
        action: "lambda:InvokeFunctionUrl",
        functionName: lambda.functionName,
        qualifier: alias.name,
        principal: "*",
        functionUrlAuthType: "NONE",
      });
    },
  },
  {
    name: "a resource carries the tags itself when the provider has no default_tags",
    provider: { defaultTags: undefined },
    arrange: (stack) => {
      makeTopic(stack).tags = {
        project: "agnostic-lambda-core",
        stage: "shared",
        "managed-by": "terraform-cdk",
      };
    },
  },
];

describe("what each guardrail accepts", () => {
  it.each(passingCases)("synth succeeds when $name", (testCase) => {
    const { app, stack, guardrails } = makeGuardedStack({
      stage: testCase.stage,
      publicFunctionUrl: testCase.publicFunctionUrl,
      provider: testCase.provider,
    });
    testCase.arrange(stack);

    const error = synthError(app);

    expect(error).toBeUndefined();
    expect(guardrails.violations).toEqual([]);
  });

  it.each(["dev", "test", "prod"] as const)(
    "a stack with one compliant resource of every inspected kind passes in %s",
    (stage) => {
      const { app, stack, guardrails } = makeGuardedStack({ stage });
      makeTopic(stack);
      makeLogGroup(stack, 30);
      makeRepository(stack);
      makeRolePolicy(stack);
      makeServedFunction(stack);
      makeDeploymentGroup(stack, makeAlarm(stack));

      expect(synthError(app)).toBeUndefined();
      expect(guardrails.violations).toEqual([]);
    },
  );
});

describe("the rule table", () => {
  it("is documented row by row in docs/guardrails.md", () => {
    const page = readFileSync(
      fileURLToPath(new URL("../../docs/guardrails.md", import.meta.url)),
      "utf8",
    );

    const documented = [...page.matchAll(/^\| (ALC\d{3}) \|/gm)].map((match) => match[1]);

    expect(documented).toEqual([...RULE_IDS]);
  });

  it("has one rule per id, in id order, each with a title, a reason and a fix", () => {
    expect(RULES.map((rule) => rule.id)).toEqual([...RULE_IDS]);
    for (const rule of RULES) {
      expect(rule.title.length, rule.id).toBeGreaterThan(10);
      expect(rule.why.length, rule.id).toBeGreaterThan(20);
      expect(rule.fix.length, rule.id).toBeGreaterThan(10);
    }
  });
});
