/**
 * The offline `terraform plan` of each stage (shared with the other plan tests, computed once
 * per run): Terraform itself accepts the deployment group, its canary alarms and rollback
 * settings and the hook functions, with the values the release command relies on. One more plan,
 * against a state in which CodeDeploy moved the alias, shows Terraform leaves the alias alone.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { STAGE_NAMES, STAGES } from "../config";
import {
  AUTO_ROLLBACK_EVENTS,
  deploymentConfigFor,
  HOOK_FAILURE_REPORTER_COMMAND,
  HOOK_MAXIMUM_EVENT_AGE_SECONDS,
  hookFailureReporterName,
} from "../constructs/progressive-delivery";
import { deliveryNames } from "../names";
import {
  OFFLINE_PLAN_IMAGE,
  plannedResource,
  planStackDirectory,
  readStagePlan,
  resourceChangesOfType,
  synthesizeStacks,
} from "./support/offline-plan";

describe.each(STAGE_NAMES)("offline plan of progressive delivery in %s", (stage) => {
  const config = STAGES[stage];
  const names = deliveryNames(config);

  it("plans the deployment group with its deployment config, canary alarms and automatic rollback", async () => {
    const plan = await readStagePlan(stage);

    expect(plannedResource(plan, "aws_codedeploy_app", "delivery_")).toEqual(
      expect.objectContaining({ name: names.applicationName, compute_platform: "Lambda" }),
    );
    expect(plannedResource(plan, "aws_codedeploy_deployment_group", "delivery_")).toMatchObject({
      app_name: names.applicationName,
      deployment_group_name: names.deploymentGroupName,
      deployment_config_name: deploymentConfigFor(config).name,
      deployment_style: [
        { deployment_type: "BLUE_GREEN", deployment_option: "WITH_TRAFFIC_CONTROL" },
      ],
      auto_rollback_configuration: [{ enabled: true, events: [...AUTO_ROLLBACK_EVENTS].sort() }],
      alarm_configuration: [
        {
          enabled: true,
          ignore_poll_alarm_failure: false,
          alarms: [names.canaryErrorsAlarmName, names.canaryDurationAlarmName].sort(),
        },
      ],
    });
  });

  it("plans the canary alarms on the alias with the new version left to apply time", async () => {
    const plan = await readStagePlan(stage);

    const canaries = resourceChangesOfType(plan, "aws_cloudwatch_metric_alarm").filter((change) =>
      change.name.startsWith("delivery_"),
    );

    expect(canaries.map((change) => change.change.after?.alarm_name).sort()).toEqual(
      [names.canaryErrorsAlarmName, names.canaryDurationAlarmName].sort(),
    );
    for (const canary of canaries) {
      // Canary alarms page nobody: stopping the deployment is their only effect.
      expect(canary.change.after?.alarm_actions ?? []).toEqual([]);
      // ExecutedVersion is the version this apply publishes: unknown until then.
      expect(canary.change.after_unknown).toMatchObject({ dimensions: true });
    }
  });

  it("plans both hook functions from the deployed image with their handlers", async () => {
    const plan = await readStagePlan(stage);

    const hooks = [
      [names.preTrafficHookName, "hooks.preTraffic"],
      [names.postTrafficHookName, "hooks.postTraffic"],
    ] as const;
    for (const [name, command] of hooks) {
      const fragment = name === names.preTrafficHookName ? "pre-traffic-hook" : "post-traffic-hook";
      expect(plannedResource(plan, "aws_lambda_function", `delivery_${fragment}_`)).toMatchObject({
        function_name: name,
        package_type: "Image",
        image_uri: expect.stringContaining(OFFLINE_PLAN_IMAGE.IMAGE_DIGEST),
        image_config: [{ command: [command] }],
      });
      expect(
        plannedResource(plan, "aws_cloudwatch_log_group", `delivery_${fragment}_`),
      ).toMatchObject({
        name: `/aws/lambda/${name}`,
        retention_in_days: config.function.logRetentionDays,
      });
    }
  });

  it("plans the hook failure reporter from the deployed image with its handler and log group", async () => {
    const plan = await readStagePlan(stage);
    const reporterName = hookFailureReporterName(config);

    expect(
      plannedResource(plan, "aws_lambda_function", "delivery_hook-failure-reporter_"),
    ).toMatchObject({
      function_name: reporterName,
      package_type: "Image",
      image_uri: expect.stringContaining(OFFLINE_PLAN_IMAGE.IMAGE_DIGEST),
      image_config: [{ command: [HOOK_FAILURE_REPORTER_COMMAND] }],
      publish: false,
    });
    expect(
      plannedResource(plan, "aws_cloudwatch_log_group", "delivery_hook-failure-reporter_"),
    ).toMatchObject({
      name: `/aws/lambda/${reporterName}`,
      retention_in_days: config.function.logRetentionDays,
    });
  });

  it.each(["pre-traffic-hook", "post-traffic-hook"])(
    "plans the %s's invoke config: no retries, a short event age, failures to the reporter",
    async (hook) => {
      const plan = await readStagePlan(stage);
      const hookName =
        hook === "pre-traffic-hook" ? names.preTrafficHookName : names.postTrafficHookName;

      const [change] = resourceChangesOfType(
        plan,
        "aws_lambda_function_event_invoke_config",
      ).filter((entry) => entry.name.startsWith(`delivery_${hook}-invoke-config_`));

      expect(change?.change.actions).toEqual(["create"]);
      expect(change?.change.after).toMatchObject({
        function_name: hookName,
        maximum_retry_attempts: 0,
        maximum_event_age_in_seconds: HOOK_MAXIMUM_EVENT_AGE_SECONDS,
      });
      expect(change?.change.after?.qualifier ?? null).toBeNull();
      // The destination is the reporter's ARN, known once the reporter exists.
      expect(change?.change.after_unknown).toMatchObject({
        destination_config: [{ on_failure: [{ destination: true }] }],
      });
    },
  );

  it("plans the CodeDeploy role and no managed policy attachment", async () => {
    const plan = await readStagePlan(stage);

    expect(plannedResource(plan, "aws_iam_role", "delivery_codedeploy-role_")).toMatchObject({
      name: names.codeDeployRoleName,
    });
    expect(resourceChangesOfType(plan, "aws_iam_role_policy_attachment")).toHaveLength(0);
  });
});

describe("offline plan after a release", () => {
  it("shows no drift on the live alias whose version and weights CodeDeploy changed", () => {
    const work = mkdtempSync(join(tmpdir(), "release-drift-"));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    const stackDirectory = join(synthesizeStacks(join(work, "out")), "dev");
    const synthesized = JSON.parse(readFileSync(join(stackDirectory, "cdk.tf.json"), "utf8")) as {
      resource: { aws_lambda_alias: Record<string, unknown> };
    };
    const aliasId = Object.keys(synthesized.resource.aws_lambda_alias).find((id) =>
      id.startsWith("service_alias"),
    );
    const names = deliveryNames(STAGES.dev);
    const aliasArn = `arn:aws:lambda:eu-west-1:${STAGES.dev.account.id}:function:${names.functionName}:live`;
    // The alias as CodeDeploy left it mid-release: v9 serving, v10 on 10% of the traffic.
    const stateFile = join(work, "after-release.tfstate");
    writeFileSync(
      stateFile,
      JSON.stringify({
        version: 4,
        terraform_version: "1.11.4",
        serial: 7,
        lineage: "7d0c3f5e-0000-4000-8000-000000000000",
        outputs: {},
        resources: [
          {
            mode: "managed",
            type: "aws_lambda_alias",
            name: aliasId,
            provider: 'provider["registry.terraform.io/hashicorp/aws"]',
            instances: [
              {
                schema_version: 0,
                attributes: {
                  arn: aliasArn,
                  description: "All traffic goes through this alias",
                  function_name: names.functionName,
                  function_version: "9",
                  id: aliasArn,
                  invoke_arn: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${aliasArn}/invocations`,
                  name: "live",
                  routing_config: [{ additional_version_weights: { "10": 0.1 } }],
                },
              },
            ],
          },
        ],
      }),
    );

    const { plan } = planStackDirectory(stackDirectory, {
      stateFile,
      workDirectory: join(work, "plan"),
    });

    const alias = plan.resource_changes.find(
      (change) => change.address === `aws_lambda_alias.${aliasId}`,
    );
    expect(alias?.change.actions).toEqual(["no-op"]);
    expect(alias?.change.after).toMatchObject({
      function_version: "9",
      routing_config: [{ additional_version_weights: { "10": 0.1 } }],
    });
  });
});
