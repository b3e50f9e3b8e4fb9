import { describe, expect, it } from "vitest";
import { PROJECT, STAGES, type StageName } from "../config";
import {
  ALL_STAGES,
  OFFLINE_PLAN_IMAGE,
  OfflinePlanSetupError,
  offlineOverride,
  plannedResource,
  readStackPlan,
  readStagePlan,
  resolveOfflineToolchain,
  resourceChangesOfType,
  type TerraformPlan,
  terraformEnvironment,
} from "./support/offline-plan";

const REPOSITORY = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/agnostic-lambda-core";

describe.each(ALL_STAGES)("terraform plan of the %s stage (offline)", (stage: StageName) => {
  const config = STAGES[stage];
  const functionName = `agnostic-lambda-core-${stage}`;
  let plan: TerraformPlan;

  it("validates and plans without errors, creating every resource", async () => {
    plan = await readStagePlan(stage);

    expect(plan.errored).toBe(false);
    expect(plan.resource_changes.length).toBeGreaterThan(10);
    for (const change of plan.resource_changes) {
      expect(change.change.actions, change.address).toEqual(["create"]);
    }
  });

  it("plans the image-based function with the stage's architecture and sizing", async () => {
    plan = await readStagePlan(stage);

    expect(plannedResource(plan, "aws_lambda_function", "service_function")).toMatchObject({
      function_name: functionName,
      package_type: "Image",
      image_uri: `${REPOSITORY}@${OFFLINE_PLAN_IMAGE.IMAGE_DIGEST}`,
      architectures: ["arm64"],
      memory_size: config.function.memoryMb,
      timeout: config.function.timeoutSeconds,
      reserved_concurrent_executions: config.function.reservedConcurrency ?? -1,
      publish: true,
      tracing_config: [{ mode: "Active" }],
      environment: [
        { variables: expect.objectContaining({ VERSION: OFFLINE_PLAN_IMAGE.IMAGE_TAG }) },
      ],
      logging_config: [
        {
          log_format: "JSON",
          application_log_level: config.function.logLevel,
          system_log_level: "WARN",
          log_group: `/aws/lambda/${functionName}`,
        },
      ],
    });
  });

  it("plans the live alias and the Function URL on it", async () => {
    plan = await readStagePlan(stage);

    expect(plannedResource(plan, "aws_lambda_alias", "service_alias")).toMatchObject({
      name: "live",
      function_name: functionName,
    });
    expect(plannedResource(plan, "aws_lambda_function_url", "service_url")).toMatchObject({
      function_name: functionName,
      qualifier: "live",
      authorization_type: config.function.url.authType,
      cors: [],
    });
  });

  it("plans the log group with the stage's retention", async () => {
    plan = await readStagePlan(stage);

    expect(plannedResource(plan, "aws_cloudwatch_log_group", "service_log-group")).toMatchObject({
      name: `/aws/lambda/${functionName}`,
      retention_in_days: config.function.logRetentionDays,
    });
  });

  it("plans five alarms on the alias dimension", async () => {
    plan = await readStagePlan(stage);

    const alarms = resourceChangesOfType(plan, "aws_cloudwatch_metric_alarm")
      .filter((change) => change.name.startsWith("alarms_"))
      .map((change) => change.change.after ?? {});

    expect(alarms).toHaveLength(5);
    for (const alarm of alarms) {
      // Without reserved concurrency the concurrency alarm watches the account-wide metric.
      const accountWide =
        alarm.metric_name === "ConcurrentExecutions" &&
        config.function.reservedConcurrency === undefined;
      expect(alarm.dimensions).toEqual(
        accountWide ? null : { FunctionName: functionName, Resource: `${functionName}:live` },
      );
      expect(alarm.evaluation_periods).toBe(config.alarms.evaluationPeriods);
    }
  });

  it("plans a KMS-encrypted topic with a rotating key", async () => {
    plan = await readStagePlan(stage);

    const topic = resourceChangesOfType(plan, "aws_sns_topic").find((change) =>
      change.name.startsWith("alarms_topic_"),
    );

    expect(plannedResource(plan, "aws_kms_key", "alarms_topic_key_")).toMatchObject({
      enable_key_rotation: true,
    });
    // The key ARN is only known after apply: the plan marks it unknown, not empty.
    expect(topic?.change.after_unknown).toMatchObject({ kms_master_key_id: true });
    expect(plannedResource(plan, "aws_sns_topic", "alarms_topic_")).toMatchObject({
      name: `${functionName}-alarms`,
    });
  });

  it("plans one e-mail subscription per configured address", async () => {
    plan = await readStagePlan(stage);

    const endpoints = resourceChangesOfType(plan, "aws_sns_topic_subscription")
      .filter((change) => change.name.startsWith("alarms_topic_email-"))
      .map((change) => change.change.after?.endpoint);

    expect(endpoints).toEqual(config.notifications.emails);
  });

  it("keeps the stage's tags and account pin in the configuration it planned", async () => {
    plan = await readStagePlan(stage);

    const tagsAll = plannedResource(plan, "aws_lambda_function", "service_function").tags_all;

    expect(tagsAll).toEqual({
      project: "agnostic-lambda-core",
      stage,
      "managed-by": "terraform-cdk",
    });
  });

  it("plans the outputs operators need", async () => {
    plan = await readStagePlan(stage);

    expect(Object.keys(plan.output_changes ?? {})).toEqual(
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
    expect(plan.output_changes?.ecr_repository_url?.after).toBe(REPOSITORY);
  });
});

describe("terraform plan of the shared stack (offline)", () => {
  it("plans the state bucket and the immutable, scanned image repository", async () => {
    const plan = await readStackPlan("shared");

    expect(plan.errored).toBe(false);
    expect(plannedResource(plan, "aws_s3_bucket", "state_bucket")).toMatchObject({
      bucket: PROJECT.shared.state.bucket,
    });
    expect(plannedResource(plan, "aws_s3_bucket_versioning", "state_versioning")).toMatchObject({
      versioning_configuration: [{ status: "Enabled" }],
    });
    expect(plannedResource(plan, "aws_ecr_repository", "image_repository")).toMatchObject({
      name: "agnostic-lambda-core",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: [{ scan_on_push: true }],
    });
  });
});

describe.each(ALL_STAGES)("terraform plan of bootstrap-%s (offline)", (stage: StageName) => {
  // Every stage has an account of its own by default, so each gets its own OIDC provider.
  it("plans the GitHub OIDC provider of the stage's account", async () => {
    const plan = await readStackPlan(`bootstrap-${stage}`);

    expect(plan.errored).toBe(false);
    expect(plannedResource(plan, "aws_iam_openid_connect_provider")).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
    });
  });
});

describe("the offline plan setup", () => {
  it("fails, naming what to install, when terraform is not on the PATH", () => {
    expect(() => resolveOfflineToolchain({ PATH: "", TF_PLUGIN_DIR: "/somewhere" })).toThrow(
      OfflinePlanSetupError,
    );
    expect(() => resolveOfflineToolchain({ PATH: "", TF_PLUGIN_DIR: "/somewhere" })).toThrow(
      /terraform was not found on the PATH/,
    );
  });

  it("fails, naming what it holds, when TF_PLUGIN_DIR holds no provider mirror", () => {
    expect(() =>
      resolveOfflineToolchain({ PATH: process.env.PATH, TF_PLUGIN_DIR: "/nonexistent-mirror" }),
    ).toThrow(
      /TF_PLUGIN_DIR="\/nonexistent-mirror" holds no registry.terraform.io\/hashicorp\/aws/,
    );
  });

  it("replaces the S3 backend by a local one and lifts the account pin", () => {
    const override = offlineOverride() as {
      terraform: { backend: Record<string, unknown> };
      provider: { aws: Record<string, unknown>[] };
    };

    expect(Object.keys(override.terraform.backend)).toEqual(["local"]);
    expect(override.provider.aws[0]).toMatchObject({
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      allowed_account_ids: null,
    });
  });

  it("never passes real AWS credentials or profiles to terraform", () => {
    const env = terraformEnvironment({
      PATH: "/usr/bin",
      AWS_PROFILE: "prod-admin",
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret",
    });

    expect(env).toMatchObject({ PATH: "/usr/bin", CHECKPOINT_DISABLE: "1" });
    expect(Object.keys(env).filter((name) => name.startsWith("AWS_"))).toEqual([]);
  });
});
