/**
 * The DORA recorder and dashboard as synthesized per stage: what the recorder runs, what its role
 * may do, which events reach it, and what the dashboard shows.
 */

import { entryPoints } from "@agnostic-lambda-core/function/build";
import {
  CLAIM_EXPIRY_ATTRIBUTE,
  CLAIM_KEY_ATTRIBUTE,
} from "@agnostic-lambda-core/function/delivery/recorder/claims";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { describe, expect, it } from "vitest";
import { doraRecorderNames, PROJECT, STAGE_NAMES, STAGES, validateStageConfig } from "../config";
import { doraDashboardBody } from "../constructs/dora-dashboard";
import {
  FINAL_DEPLOYMENT_STATES,
  IDEMPOTENCY_EXPIRY_ATTRIBUTE,
  IDEMPOTENCY_KEY_ATTRIBUTE,
  RECORDER_COMMAND,
  RECORDER_LOG_LEVEL,
} from "../constructs/dora-recorder";
import { deliveryNames } from "../names";
import {
  makeStageConfig,
  parsePolicy,
  referenceTo,
  resourceAt,
  resourcesUnder,
  synthStageStack,
  TEST_IMAGE_TAG,
} from "./support/synth";

describe.each(STAGE_NAMES)("the DORA recorder of the %s stage", (stage) => {
  const config = STAGES[stage];
  const names = doraRecorderNames(config);
  const delivery = deliveryNames(config);
  const synth = synthStageStack(config);
  const fn = LambdaFunction.tfResourceType;
  const table = DynamodbTable.tfResourceType;

  it("runs recorder.handler from the service image with the stage's settings", () => {
    expect(resourceAt(synth, fn, "dora-recorder/function")).toMatchObject({
      function_name: names.functionName,
      package_type: "Image",
      image_config: { command: [RECORDER_COMMAND] },
      environment: {
        variables: {
          STAGE: stage,
          DORA_METRICS_NAMESPACE: PROJECT.metricsNamespace,
          CODEDEPLOY_APPLICATION: delivery.applicationName,
          ALARM_NAME_PREFIX: `agnostic-lambda-core-${stage}-`,
          EXCLUDED_ALARM_NAMES: `${delivery.canaryErrorsAlarmName},${delivery.canaryDurationAlarmName}`,
          IDEMPOTENCY_TABLE_NAME: referenceTo(
            synth,
            table,
            "dora-recorder/idempotency-table",
            "name",
          ),
          VERSION: TEST_IMAGE_TAG,
        },
      },
    });
  });

  it(`logs at INFO whatever the stage's level (${config.function.logLevel}), so no record is dropped`, () => {
    expect(resourceAt(synth, fn, "dora-recorder/function").logging_config).toMatchObject({
      application_log_level: RECORDER_LOG_LEVEL,
    });
  });

  it("has no alias and publishes no versions: EventBridge invokes the function itself", () => {
    const recorder = resourceAt(synth, fn, "dora-recorder/function");

    expect(resourcesUnder(synth, LambdaAlias.tfResourceType, "dora-recorder/")).toEqual([]);
    expect(recorder.publish).toBe(false);
  });

  it("keeps its records in the log group the report reads, for the configured retention", () => {
    expect(
      resourceAt(synth, CloudwatchLogGroup.tfResourceType, "dora-recorder/function/log-group"),
    ).toEqual({
      name: names.logGroupName,
      retention_in_days: config.dora.recordRetentionDays,
    });
  });

  it("claims events in an encrypted, on-demand idempotency table whose claims expire", () => {
    expect(resourceAt(synth, table, "dora-recorder/idempotency-table")).toEqual({
      name: `agnostic-lambda-core-${stage}-dora-idempotency`,
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "id",
      attribute: [{ name: "id", type: "S" }],
      ttl: { attribute_name: "expiresAt", enabled: true },
      server_side_encryption: { enabled: true },
      point_in_time_recovery: { enabled: false },
    });
    expect(names.idempotencyTableName).toBe(`agnostic-lambda-core-${stage}-dora-idempotency`);
  });

  it("may write its own logs, read this stage's deployments and claim events, nothing more", () => {
    const statements = resourcesUnder(synth, IamRolePolicy.tfResourceType, "dora-recorder_")
      .flatMap((policy) => parsePolicy(policy.policy).Statement)
      .map(({ Action, Resource }) => ({ Action, Resource }));

    // In any order: the role's policies are listed by their generated resource names.
    expect(statements).toHaveLength(4);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `arn:aws:logs:${config.account.region}:${config.account.id}:log-group:${names.logGroupName}:*`,
        },
        { Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
        {
          Action: "codedeploy:GetDeployment",
          Resource: `arn:aws:codedeploy:${config.account.region}:${config.account.id}:deploymentgroup:${delivery.applicationName}/${delivery.deploymentGroupName}`,
        },
        {
          Action: "dynamodb:PutItem",
          Resource: referenceTo(synth, table, "dora-recorder/idempotency-table", "arn"),
        },
      ]),
    );
  });

  it("is invoked for the final states of this stage's CodeDeploy deployments", () => {
    const rule = resourceAt(
      synth,
      CloudwatchEventRule.tfResourceType,
      "dora-recorder/deployment-rule",
    );

    expect(JSON.parse(String(rule.event_pattern))).toEqual({
      source: ["aws.codedeploy"],
      "detail-type": ["CodeDeploy Deployment State-change Notification"],
      detail: { application: [delivery.applicationName], state: [...FINAL_DEPLOYMENT_STATES] },
    });
  });

  it("is invoked for ALARM and OK changes of this stage's alarms only (name prefix)", () => {
    const rule = resourceAt(synth, CloudwatchEventRule.tfResourceType, "dora-recorder/alarm-rule");

    expect(JSON.parse(String(rule.event_pattern))).toEqual({
      source: ["aws.cloudwatch"],
      "detail-type": ["CloudWatch Alarm State Change"],
      detail: {
        alarmName: [{ prefix: `agnostic-lambda-core-${stage}-` }],
        state: { value: ["ALARM", "OK"] },
      },
    });
  });

  it.each([
    ["deployment-rule", "deployments"],
    ["alarm-rule", "alarms"],
  ])("targets the recorder from the %s, which alone may invoke it", (rulePath, key) => {
    const ruleType = CloudwatchEventRule.tfResourceType;
    const recorder = "dora-recorder/function";

    expect(
      resourceAt(synth, CloudwatchEventTarget.tfResourceType, `dora-recorder/${key}-target`),
    ).toMatchObject({
      rule: referenceTo(synth, ruleType, `dora-recorder/${rulePath}`, "name"),
      arn: referenceTo(synth, fn, recorder, "arn"),
    });
    expect(
      resourceAt(synth, LambdaPermission.tfResourceType, `dora-recorder/${key}-permission`),
    ).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      function_name: referenceTo(synth, fn, recorder, "function_name"),
      source_arn: referenceTo(synth, ruleType, `dora-recorder/${rulePath}`, "arn"),
    });
  });
});

describe("the recorder's log level", () => {
  it.each(["WARN", "ERROR"] as const)(
    "stays INFO in a stage whose functions log at %s, while the service follows the stage",
    (logLevel) => {
      const synth = synthStageStack(makeStageConfig("test", { function: { logLevel } }));
      const level = (path: string) =>
        (
          resourceAt(synth, LambdaFunction.tfResourceType, path).logging_config as {
            application_log_level: string;
          }
        ).application_log_level;

      expect(RECORDER_LOG_LEVEL).toBe("INFO");
      expect(level("dora-recorder/function")).toBe("INFO");
      expect(level("service/function")).toBe(logLevel);
    },
  );
});

describe("the recorder's handler", () => {
  it("names a bundle the build produces", () => {
    const [bundle] = RECORDER_COMMAND.split(".");
    expect(entryPoints[bundle ?? ""]).toBe("function/delivery/recorder/handler.ts");
  });

  it("writes claims with the key and expiry attributes the table declares", () => {
    expect([CLAIM_KEY_ATTRIBUTE, CLAIM_EXPIRY_ATTRIBUTE]).toEqual([
      IDEMPOTENCY_KEY_ATTRIBUTE,
      IDEMPOTENCY_EXPIRY_ATTRIBUTE,
    ]);
  });
});

describe("dora.recordRetentionDays", () => {
  it.each([7, 45])("rejects %d days, naming the field", (days) => {
    expect(() =>
      validateStageConfig(makeStageConfig("dev", { dora: { recordRetentionDays: days } })),
    ).toThrow(
      "dora.recordRetentionDays: must be a retention CloudWatch Logs accepts and at least 30 days",
    );
  });
});

describe.each(STAGE_NAMES)("the DORA dashboard of the %s stage", (stage) => {
  const config = STAGES[stage];
  const synth = synthStageStack(config);
  const dashboard = resourceAt(synth, CloudwatchDashboard.tfResourceType, "dora-dashboard");
  const body = JSON.parse(String(dashboard.dashboard_body)) as {
    widgets: {
      type: string;
      properties: { metrics?: unknown[][]; alarms?: string[]; title?: string };
    }[];
  };
  const metricNames = (namespace: string) =>
    body.widgets.flatMap((widget) =>
      (widget.properties.metrics ?? []).filter((row) => row[0] === namespace).map((row) => row[1]),
    );

  it("is named after the stage", () => {
    expect(dashboard.dashboard_name).toBe(`agnostic-lambda-core-${stage}-dora`);
  });

  it("shows the four DORA metrics of this stage from the recorder's namespace", () => {
    expect(new Set(metricNames(PROJECT.metricsNamespace))).toEqual(
      new Set([
        "Deployments",
        "FailedDeployments",
        "Rollbacks",
        "LeadTimeForChanges",
        "TimeToRestore",
      ]),
    );
    const doraRows = body.widgets.flatMap((widget) =>
      (widget.properties.metrics ?? []).filter((row) => row[0] === PROJECT.metricsNamespace),
    );
    for (const row of doraRows) expect(row.slice(2, 4)).toEqual(["Stage", stage]);
  });

  it("shows requests, errors, p50/p99 duration, throttles and concurrency of the live alias", () => {
    expect(new Set(metricNames("AWS/Lambda"))).toEqual(
      new Set([
        "Invocations",
        "UrlRequestCount",
        "Errors",
        "Url5xxCount",
        "Url4xxCount",
        "Duration",
        "Throttles",
        "ConcurrentExecutions",
      ]),
    );
    const lambdaRows = body.widgets.flatMap((widget) =>
      (widget.properties.metrics ?? []).filter((row) => row[0] === "AWS/Lambda"),
    );
    for (const row of lambdaRows) {
      expect(row.slice(2, 6)).toEqual([
        "FunctionName",
        `agnostic-lambda-core-${stage}`,
        "Resource",
        `agnostic-lambda-core-${stage}:live`,
      ]);
    }
    const durationStats = lambdaRows
      .filter((row) => row[1] === "Duration")
      .map((row) => (row[6] as { stat: string }).stat);
    expect(durationStats).toEqual(["p50", "p99"]);
  });

  it("shows the state of every steady-state and canary alarm of the stage", () => {
    const alarmWidget = body.widgets.find((widget) => widget.type === "alarm");
    const alarmReferences = Object.keys(
      synth.terraform.resource.aws_cloudwatch_metric_alarm ?? {},
    ).map(
      (name) =>
        `arn:aws:cloudwatch:${config.account.region}:${config.account.id}:alarm:\${aws_cloudwatch_metric_alarm.${name}.alarm_name}`,
    );

    // Five steady-state alarms and two canary alarms.
    expect(alarmReferences).toHaveLength(7);
    expect(new Set(alarmWidget?.properties.alarms)).toEqual(new Set(alarmReferences));
  });
});

describe("doraDashboardBody", () => {
  it("builds alarm ARNs from names and keeps hours as metric math over seconds", () => {
    const body = doraDashboardBody({
      dashboardName: "d",
      region: "eu-west-1",
      accountId: "123456789012",
      stage: "prod",
      metricsNamespace: "Ns",
      functionName: "fn",
      alarmNames: ["fn-errors"],
    }) as { start: string; widgets: { type: string; properties: Record<string, unknown> }[] };

    expect(body.start).toBe("-P30D");
    expect(body.widgets.find((widget) => widget.type === "alarm")?.properties.alarms).toEqual([
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fn-errors",
    ]);
    const expressions = body.widgets.flatMap((widget) =>
      ((widget.properties.metrics as unknown[][] | undefined) ?? [])
        .map((row) => (row[0] as { expression?: string }).expression)
        .filter(Boolean),
    );
    expect(expressions).toEqual([
      "leadTime / 3600",
      "100 * failed / deployments",
      "restore / 3600",
      "leadTime / 3600",
      "restore / 3600",
    ]);
  });
});
