/**
 * The offline `terraform plan` of each stage (shared with the other plan tests, computed once
 * per run): Terraform accepts the DORA recorder, its EventBridge rules, targets and permissions,
 * and the dashboard, with the names the report and the recorder rely on.
 */
import { describe, expect, it } from "vitest";
import { doraRecorderNames, PROJECT, STAGE_NAMES, STAGES } from "../config";
import { RECORDER_COMMAND } from "../constructs/dora-recorder";
import { deliveryNames } from "../names";
import {
  OFFLINE_PLAN_IMAGE,
  plannedResource,
  readStagePlan,
  resourceChangesOfType,
  type TerraformPlan,
} from "./support/offline-plan";

interface ConfiguredResource {
  readonly address: string;
  readonly expressions?: Record<string, { readonly references?: readonly string[] }>;
}

/** The references an argument of a resource makes in the plan's configuration. */
function referencesOf(plan: TerraformPlan, address: string, argument: string): readonly string[] {
  const root = plan.configuration.root_module as { resources?: readonly ConfiguredResource[] };
  const resource = root.resources?.find((candidate) => candidate.address === address);
  if (!resource) throw new Error(`no ${address} in the plan's configuration`);
  return resource.expressions?.[argument]?.references ?? [];
}

function addressOf(plan: TerraformPlan, type: string, fragment: string): string {
  const matches = resourceChangesOfType(plan, type).filter((change) =>
    change.name.includes(fragment),
  );
  if (matches.length !== 1 || !matches[0])
    throw new Error(`expected one ${type} matching ${fragment}, found ${matches.length}`);
  return matches[0].address;
}

describe.each(STAGE_NAMES)("offline plan of the DORA recorder and dashboard in %s", (stage) => {
  const config = STAGES[stage];
  const names = doraRecorderNames(config);
  const delivery = deliveryNames(config);

  it("plans the recorder from the deployed image, logging to the group the report reads", async () => {
    const plan = await readStagePlan(stage);

    expect(plannedResource(plan, "aws_lambda_function", "dora-recorder_")).toMatchObject({
      function_name: names.functionName,
      package_type: "Image",
      image_uri: expect.stringContaining(OFFLINE_PLAN_IMAGE.IMAGE_DIGEST),
      image_config: [{ command: [RECORDER_COMMAND] }],
      environment: [
        {
          variables: expect.objectContaining({
            STAGE: stage,
            DORA_METRICS_NAMESPACE: PROJECT.metricsNamespace,
            CODEDEPLOY_APPLICATION: delivery.applicationName,
          }),
        },
      ],
      logging_config: [expect.objectContaining({ log_group: names.logGroupName })],
    });
    expect(plannedResource(plan, "aws_cloudwatch_log_group", "dora-recorder_")).toMatchObject({
      name: names.logGroupName,
      retention_in_days: config.dora.recordRetentionDays,
    });
  });

  it("plans the idempotency table with its TTL, named in the recorder's environment", async () => {
    const plan = await readStagePlan(stage);

    expect(plannedResource(plan, "aws_dynamodb_table", "dora-recorder_")).toMatchObject({
      name: names.idempotencyTableName,
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "id",
      attribute: [{ name: "id", type: "S" }],
      ttl: [{ attribute_name: "expiresAt", enabled: true }],
      server_side_encryption: [{ enabled: true }],
      point_in_time_recovery: [{ enabled: false }],
    });
    expect(plannedResource(plan, "aws_lambda_function", "dora-recorder_")).toMatchObject({
      environment: [
        {
          variables: expect.objectContaining({
            IDEMPOTENCY_TABLE_NAME: `agnostic-lambda-core-${stage}-dora-idempotency`,
          }),
        },
      ],
    });
  });

  it("lets the recorder's role claim events in that table only", async () => {
    const plan = await readStagePlan(stage);
    const tableAddress = addressOf(plan, "aws_dynamodb_table", "dora-recorder_");
    const policyAddress = addressOf(plan, "aws_iam_role_policy", "dora-recorder_claim-events_");
    const roleAddress = addressOf(plan, "aws_iam_role", "dora-recorder_");

    expect(referencesOf(plan, policyAddress, "policy")).toContain(tableAddress);
    expect(referencesOf(plan, policyAddress, "role")).toContain(roleAddress);
    expect(
      plannedResource(plan, "aws_iam_role_policy", "dora-recorder_claim-events_"),
    ).toMatchObject({ name: "claim-events-once" });
  });

  it("plans one rule for this stage's deployments and one for its alarms", async () => {
    const plan = await readStagePlan(stage);

    const rules = resourceChangesOfType(plan, "aws_cloudwatch_event_rule")
      .filter((change) => change.name.startsWith("dora-recorder_"))
      .map(
        (change) => change.change.after as { name: string; event_pattern: string; state: string },
      );

    expect(rules.map((rule) => [rule.name, rule.state]).sort()).toEqual([
      [`agnostic-lambda-core-${stage}-dora-alarms`, "ENABLED"],
      [`agnostic-lambda-core-${stage}-dora-deployments`, "ENABLED"],
    ]);
    const patterns = rules.map((rule) => JSON.parse(rule.event_pattern));
    expect(patterns).toContainEqual(
      expect.objectContaining({
        detail: expect.objectContaining({ application: [delivery.applicationName] }),
      }),
    );
    expect(patterns).toContainEqual(
      expect.objectContaining({
        detail: expect.objectContaining({
          alarmName: [{ prefix: `agnostic-lambda-core-${stage}-` }],
        }),
      }),
    );
  });

  it.each([
    ["deployment-rule", "deployments"],
    ["alarm-rule", "alarms"],
  ])("wires the %s to the recorder, and lets only that rule invoke it", async (rule, key) => {
    const plan = await readStagePlan(stage);
    const ruleAddress = addressOf(plan, "aws_cloudwatch_event_rule", `dora-recorder_${rule}_`);
    const recorderAddress = addressOf(plan, "aws_lambda_function", "dora-recorder_");
    const targetAddress = addressOf(
      plan,
      "aws_cloudwatch_event_target",
      `dora-recorder_${key}-target_`,
    );
    const permissionAddress = addressOf(
      plan,
      "aws_lambda_permission",
      `dora-recorder_${key}-permission_`,
    );

    expect(referencesOf(plan, targetAddress, "rule")).toContain(ruleAddress);
    expect(referencesOf(plan, targetAddress, "arn")).toContain(recorderAddress);
    expect(
      plannedResource(plan, "aws_lambda_permission", `dora-recorder_${key}-permission_`),
    ).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      function_name: names.functionName,
    });
    expect(referencesOf(plan, permissionAddress, "source_arn")).toContain(ruleAddress);
  });

  it("plans the dashboard with the DORA metrics and the stage's alarm states", async () => {
    const plan = await readStagePlan(stage);

    const dashboard = plannedResource(plan, "aws_cloudwatch_dashboard", "dora-dashboard");
    expect(dashboard.dashboard_name).toBe(`agnostic-lambda-core-${stage}-dora`);
    const body = JSON.parse(String(dashboard.dashboard_body)) as {
      widgets: { type: string; properties: { alarms?: string[]; metrics?: unknown[][] } }[];
    };
    const alarmNames = resourceChangesOfType(plan, "aws_cloudwatch_metric_alarm").map((change) =>
      String(change.change.after?.alarm_name),
    );
    const alarmArns = alarmNames.map(
      (name) => `arn:aws:cloudwatch:${config.account.region}:${config.account.id}:alarm:${name}`,
    );
    expect(alarmNames).toContain(delivery.canaryErrorsAlarmName);
    expect(alarmNames).toContain(`agnostic-lambda-core-${stage}-errors`);
    expect(
      new Set(body.widgets.find((widget) => widget.type === "alarm")?.properties.alarms),
    ).toEqual(new Set(alarmArns));
    const doraMetrics = body.widgets
      .flatMap((widget) => widget.properties.metrics ?? [])
      .filter((row) => row[0] === PROJECT.metricsNamespace);
    expect(doraMetrics.length).toBeGreaterThan(0);
    expect(doraMetrics.every((row) => row[2] === "Stage" && row[3] === stage)).toBe(true);
  });
});
