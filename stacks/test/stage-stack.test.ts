import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { PROJECT, STAGE_NAMES, STAGES, type StageName } from "../config";
import { KMS_KEY_READ, KMS_KEY_WRITE } from "../constructs/ci-roles";
import {
  makeImage,
  makeStageConfig,
  parsePolicy,
  referenceTo,
  resourceAt,
  resourcesOfType,
  resourcesUnder,
  type SynthesizedStack,
  synthStageStack,
  TEST_IMAGE_DIGEST,
  TEST_IMAGE_TAG,
} from "./support/synth";

const REPOSITORY = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/agnostic-lambda-core";

function expectResource(
  synth: SynthesizedStack,
  type: string,
  properties: Record<string, unknown>,
) {
  const found = Testing.toHaveResourceWithProperties(synth.json, type, properties);
  expect(
    found,
    `${type} with ${JSON.stringify(properties)} in ${JSON.stringify(resourcesOfType(synth, type))}`,
  ).toBe(true);
}

describe.each(STAGE_NAMES)("the %s stage stack", (stage: StageName) => {
  const config = STAGES[stage];
  const synth = synthStageStack(config, makeImage({ digest: true }));
  const functionName = `agnostic-lambda-core-${stage}`;

  it("pins the provider to the stage's account and tags every resource", () => {
    expect(
      Testing.toHaveProviderWithProperties(synth.json, AwsProvider.tfResourceType, {
        region: config.account.region,
        allowed_account_ids: [config.account.id],
        default_tags: [
          { tags: { project: "agnostic-lambda-core", stage, "managed-by": "terraform-cdk" } },
        ],
      }),
    ).toBe(true);
  });

  it("keeps its state in S3 under its own key, encrypted, with native locking", () => {
    expect(synth.terraform.terraform.backend).toEqual({
      s3: {
        bucket: PROJECT.shared.state.bucket,
        key: `stages/${stage}/terraform.tfstate`,
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it("admits the provider version the offline mirror holds (5.100)", () => {
    expect(synth.terraform.terraform.required_providers?.aws?.version).toBe("~> 5.99");
  });

  it("deploys the function from the pinned image with the stage's sizing", () => {
    expectResource(synth, LambdaFunction.tfResourceType, {
      function_name: functionName,
      package_type: "Image",
      image_uri: `${REPOSITORY}@${TEST_IMAGE_DIGEST}`,
      architectures: ["arm64"],
      memory_size: config.function.memoryMb,
      timeout: config.function.timeoutSeconds,
      publish: true,
      tracing_config: { mode: "Active" },
      environment: { variables: { VERSION: TEST_IMAGE_TAG } },
    });
  });

  it("logs JSON at the stage's level into its own log group, created first", () => {
    const logGroup = resourceAt(synth, CloudwatchLogGroup.tfResourceType, "service/log-group");
    const lambda = resourceAt(synth, LambdaFunction.tfResourceType, "service/function");

    expect(logGroup).toMatchObject({
      name: `/aws/lambda/${functionName}`,
      retention_in_days: config.function.logRetentionDays,
    });
    expect(lambda.logging_config).toEqual({
      log_format: "JSON",
      application_log_level: config.function.logLevel,
      system_log_level: "WARN",
      log_group: referenceTo(synth, CloudwatchLogGroup.tfResourceType, "service/log-group", "name"),
    });
    expect(lambda.depends_on).toContain(
      referenceTo(synth, CloudwatchLogGroup.tfResourceType, "service/log-group", "name").replace(
        /^\$\{(.*)\.name\}$/,
        "$1",
      ),
    );
  });

  it("reserves the concurrency the stage config asks for", () => {
    const lambda = resourceAt(synth, LambdaFunction.tfResourceType, "service/function");

    expect(lambda.reserved_concurrent_executions).toBe(config.function.reservedConcurrency);
  });

  it("lets the role write only to its own log group, plus X-Ray", () => {
    const policy = parsePolicy(
      resourceAt(synth, IamRolePolicy.tfResourceType, "service/role-policy").policy,
    );

    expect(policy.Statement).toEqual([
      {
        Sid: "WriteOwnLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:aws:logs:eu-west-1:${config.account.id}:log-group:/aws/lambda/${functionName}:*`,
      },
      {
        Sid: "XRayTracing",
        Effect: "Allow",
        Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        Resource: "*",
      },
    ]);
  });

  it("routes traffic through the live alias, whose version CodeDeploy owns", () => {
    expectResource(synth, LambdaAlias.tfResourceType, {
      name: "live",
      function_version: referenceTo(
        synth,
        LambdaFunction.tfResourceType,
        "service/function",
        "version",
      ),
      lifecycle: { ignore_changes: ["function_version", "routing_config"] },
    });
  });

  it("has exactly one alias, the service's live alias: no other function carries one", () => {
    const aliases = resourcesOfType(synth, LambdaAlias.tfResourceType);

    expect(aliases).toHaveLength(1);
    expect(aliases[0]).toBe(resourceAt(synth, LambdaAlias.tfResourceType, "service/alias"));
    expect(aliases[0]?.name).toBe("live");
  });

  it("publishes versions of the service only, the one function whose alias needs them", () => {
    const published = Object.entries(synth.terraform.resource[LambdaFunction.tfResourceType] ?? {})
      .filter(([, lambda]) => lambda.publish === true)
      .map(([, lambda]) => lambda.function_name);

    expect(published).toEqual([functionName]);
  });

  it("binds the Function URL to the alias, never to $LATEST, with no CORS", () => {
    const url = resourceAt(synth, LambdaFunctionUrl.tfResourceType, "service/url");

    expect(url.qualifier).toBe(
      referenceTo(synth, LambdaAlias.tfResourceType, "service/alias", "name"),
    );
    expect(url.authorization_type).toBe(config.function.url.authType);
    expect(url).not.toHaveProperty("cors");
  });

  it("opens the public URL with both permissions AWS requires, on the alias", () => {
    const permissions = resourcesUnder(synth, LambdaPermission.tfResourceType, "service/");
    const alias = referenceTo(synth, LambdaAlias.tfResourceType, "service/alias", "name");

    expect(permissions).toHaveLength(2);
    expect(permissions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: "lambda:InvokeFunctionUrl",
          principal: "*",
          function_url_auth_type: "NONE",
          qualifier: alias,
        }),
        expect.objectContaining({
          action: "lambda:InvokeFunction",
          principal: "*",
          qualifier: alias,
        }),
      ]),
    );
  });

  it("encrypts the alarm topic with a rotating customer key CloudWatch may use", () => {
    const topic = resourceAt(synth, SnsTopic.tfResourceType, "alarms/topic");
    const key = resourceAt(synth, KmsKey.tfResourceType, "alarms/topic/key");
    const keyPolicy = parsePolicy(key.policy);

    expect(topic.kms_master_key_id).toBe(
      referenceTo(synth, KmsKey.tfResourceType, "alarms/topic/key", "arn"),
    );
    expect(key.enable_key_rotation).toBe(true);
    expect(keyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      }),
    );
  });

  it("lets the account and the stage's CI roles, by name, manage and use the topic key", () => {
    const keyPolicy = parsePolicy(
      resourceAt(synth, KmsKey.tfResourceType, "alarms/topic/key").policy,
    );
    const bySid = (sid: string) => keyPolicy.Statement.find((statement) => statement.Sid === sid);
    const root = bySid("AccountAdministersKey");
    const allowed = [root?.Action ?? []].flat();
    const roleArn = (role: string) =>
      `arn:aws:iam::${config.account.id}:role/agnostic-lambda-core-${config.stage}-ci-${role}`;

    expect(root?.Principal).toEqual({ AWS: `arn:aws:iam::${config.account.id}:root` });
    expect(allowed.filter((action) => action === "*" || action.endsWith(":*"))).toEqual([]);
    // Without kms:PutKeyPolicy for the caller, AWS's lockout safety check refuses the policy.
    expect(allowed).toContain("kms:PutKeyPolicy");
    expect(bySid("CiDeployRoleManagesKey")).toMatchObject({
      Principal: { AWS: roleArn("deploy") },
      Action: [...KMS_KEY_READ, ...KMS_KEY_WRITE],
    });
    expect(bySid("CiPlanRoleReadsKey")).toMatchObject({
      Principal: { AWS: roleArn("plan") },
      Action: KMS_KEY_READ,
    });
    expect(KMS_KEY_WRITE).toContain("kms:PutKeyPolicy");
  });

  it("lets only this account's CloudWatch alarms publish to the topic", () => {
    const policy = parsePolicy(
      resourceAt(synth, SnsTopicPolicy.tfResourceType, "alarms/topic/topic-policy").policy,
    );
    const publishers = policy.Statement.filter((statement) =>
      [statement.Action].flat().includes("sns:Publish"),
    );

    expect(publishers).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Condition: expect.objectContaining({
          StringEquals: { "aws:SourceAccount": config.account.id },
        }),
      }),
    ]);
  });

  it("subscribes exactly the stage's e-mail addresses", () => {
    const subscriptions = resourcesUnder(synth, SnsTopicSubscription.tfResourceType, "alarms/");

    expect(
      subscriptions.map((subscription) => [subscription.protocol, subscription.endpoint]),
    ).toEqual(config.notifications.emails.map((email) => ["email", email]));
  });

  it("puts five alarms on the alias, each notifying the topic on alarm and on recovery", () => {
    const alarms = resourcesUnder(synth, CloudwatchMetricAlarm.tfResourceType, "alarms/");
    const topicArn = referenceTo(synth, SnsTopic.tfResourceType, "alarms/topic", "arn");

    expect(alarms.map((alarm) => alarm.metric_name).sort()).toEqual([
      "ConcurrentExecutions",
      "Duration",
      "Errors",
      "Throttles",
      "Url5xxCount",
    ]);
    for (const alarm of alarms) {
      // Without reserved concurrency the concurrency alarm watches the account-wide metric.
      const accountWide =
        alarm.metric_name === "ConcurrentExecutions" &&
        config.function.reservedConcurrency === undefined;
      expect(alarm.dimensions).toEqual(
        accountWide ? undefined : { FunctionName: functionName, Resource: `${functionName}:live` },
      );
      expect(alarm).toMatchObject({
        namespace: "AWS/Lambda",
        alarm_actions: [topicArn],
        ok_actions: [topicArn],
        evaluation_periods: config.alarms.evaluationPeriods,
        period: 60,
      });
      expect(alarm.treat_missing_data).toMatch(/^(notBreaching|ignore)$/);
      expect(String(alarm.alarm_description).length).toBeGreaterThan(40);
    }
  });

  it("alarms on the p99 duration budget and ignores percentiles of a handful of requests", () => {
    expectResource(synth, CloudwatchMetricAlarm.tfResourceType, {
      metric_name: "Duration",
      extended_statistic: "p99",
      threshold: config.alarms.p99DurationMs,
      treat_missing_data: "ignore",
      evaluate_low_sample_count_percentiles: "ignore",
    });
  });

  it("alarms when concurrency nears the reserved or account limit", () => {
    const limit = config.function.reservedConcurrency ?? config.alarms.accountConcurrencyLimit;

    expectResource(synth, CloudwatchMetricAlarm.tfResourceType, {
      metric_name: "ConcurrentExecutions",
      statistic: "Maximum",
      threshold: Math.floor(limit * config.alarms.concurrencyUtilization),
    });
  });

  it("outputs what operators and pipelines need", () => {
    expect(Object.keys(synth.terraform.output)).toEqual(
      expect.arrayContaining([
        "alarm_topic_arn",
        "alias_arn",
        "ecr_repository_url",
        "function_arn",
        "function_name",
        "function_url",
        "image_uri",
      ]),
    );
    expect(synth.terraform.output.ecr_repository_url?.value).toBe(REPOSITORY);
    expect(synth.terraform.output.function_url?.value).toBe(
      referenceTo(synth, LambdaFunctionUrl.tfResourceType, "service/url", "function_url"),
    );
  });

  it("reads nothing from AWS at plan time: no data sources", () => {
    expect(synth.terraform.data).toBeUndefined();
  });
});

describe("stage differences come from the config", () => {
  it("leaves reserved concurrency unset in dev, so the function shares the account pool", () => {
    const lambda = resourceAt(
      synthStageStack(STAGES.dev),
      LambdaFunction.tfResourceType,
      "service/function",
    );

    expect(lambda).not.toHaveProperty("reserved_concurrent_executions");
  });

  it("names the image by tag when no digest is given", () => {
    const lambda = resourceAt(
      synthStageStack(STAGES.dev, makeImage()),
      LambdaFunction.tfResourceType,
      "service/function",
    );

    expect(lambda.image_uri).toBe(`${REPOSITORY}:${TEST_IMAGE_TAG}`);
  });

  it("builds for x86_64 when the stage asks for it", () => {
    const config = makeStageConfig("dev", { function: { architecture: "x86_64" } });

    const lambda = resourceAt(
      synthStageStack(config),
      LambdaFunction.tfResourceType,
      "service/function",
    );

    expect(lambda.architectures).toEqual(["x86_64"]);
  });

  it("adds no public permission when the Function URL requires IAM auth", () => {
    const config = makeStageConfig("prod", { function: { url: { authType: "AWS_IAM" } } });

    const synth = synthStageStack(config);

    expect(
      resourceAt(synth, LambdaFunctionUrl.tfResourceType, "service/url").authorization_type,
    ).toBe("AWS_IAM");
    expect(resourcesUnder(synth, LambdaPermission.tfResourceType, "service/")).toEqual([]);
  });

  it("configures CORS only when the stage config gives it", () => {
    const config = makeStageConfig("test", {
      function: {
        url: {
          authType: "AWS_IAM",
          cors: {
            allowOrigins: ["https://app.example.com"],
            allowMethods: ["GET", "POST"],
            maxAgeSeconds: 300,
          },
        },
      },
    });

    const url = resourceAt(
      synthStageStack(config),
      LambdaFunctionUrl.tfResourceType,
      "service/url",
    );

    expect(url.cors).toEqual({
      allow_origins: ["https://app.example.com"],
      allow_methods: ["GET", "POST"],
      max_age: 300,
    });
  });

  it("subscribes every configured address", () => {
    const config = makeStageConfig("dev", {
      notifications: { emails: ["a@example.com", "b@example.org"] },
    });

    const subscriptions = resourcesUnder(
      synthStageStack(config),
      SnsTopicSubscription.tfResourceType,
      "alarms/",
    );

    expect(subscriptions.map((subscription) => subscription.endpoint)).toEqual([
      "a@example.com",
      "b@example.org",
    ]);
  });
});
