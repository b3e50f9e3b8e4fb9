/**
 * ProgressiveDelivery as synthesized into each stage stack: the deployment group, its rollback
 * settings and canary alarms, the hook functions and the least-privilege roles, and the names
 * the release command derives from the same stage config.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STAGE_NAMES, STAGES, type StageName } from "../config";
import {
  AUTO_ROLLBACK_EVENTS,
  deploymentConfigFor,
  HOOK_FAILURE_REPORTER_COMMAND,
  HOOK_MAXIMUM_EVENT_AGE_SECONDS,
  hookFailureReporterName,
  POST_TRAFFIC_COMMAND,
  PRE_TRAFFIC_COMMAND,
} from "../constructs/progressive-delivery";
import { deliveryNames } from "../names";
import {
  makeStageConfig,
  parsePolicy,
  referenceTo,
  resourceAt,
  resourcesOfType,
  resourcesUnder,
  synthStageStack,
} from "./support/synth";

const PREDEFINED: Record<StageName, string> = {
  dev: "CodeDeployDefault.LambdaAllAtOnce",
  test: "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
  prod: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
};

describe.each(STAGE_NAMES)("progressive delivery in the %s stack", (stage) => {
  const config = STAGES[stage];
  const names = deliveryNames(config);
  const synthesized = synthStageStack(config);

  it("uses the predefined deployment config the stage's traffic shifting names", () => {
    const group = resourceAt(
      synthesized,
      "aws_codedeploy_deployment_group",
      "delivery/deployment-group",
    );

    expect(group.deployment_config_name).toBe(PREDEFINED[stage]);
    expect(resourcesOfType(synthesized, "aws_codedeploy_deployment_config")).toHaveLength(0);
  });

  it("creates a Lambda application and a blue/green group with traffic control that rolls back on failure, alarm and stop", () => {
    const application = resourceAt(synthesized, "aws_codedeploy_app", "delivery/application");
    const group = resourceAt(
      synthesized,
      "aws_codedeploy_deployment_group",
      "delivery/deployment-group",
    );

    expect(application).toMatchObject({ name: names.applicationName, compute_platform: "Lambda" });
    expect(group).toMatchObject({
      deployment_group_name: names.deploymentGroupName,
      deployment_style: {
        deployment_type: "BLUE_GREEN",
        deployment_option: "WITH_TRAFFIC_CONTROL",
      },
      auto_rollback_configuration: { enabled: true, events: [...AUTO_ROLLBACK_EVENTS] },
      service_role_arn: referenceTo(synthesized, "aws_iam_role", "delivery/codedeploy-role", "arn"),
    });
  });

  it("stops deployments on the canary alarms only, never on the steady-state alarms that page people", () => {
    const group = resourceAt(
      synthesized,
      "aws_codedeploy_deployment_group",
      "delivery/deployment-group",
    );
    const canaryReferences = ["delivery/canary-errors", "delivery/canary-p99-duration"].map(
      (path) => referenceTo(synthesized, "aws_cloudwatch_metric_alarm", path, "alarm_name"),
    );

    expect(group.alarm_configuration).toEqual({
      enabled: true,
      alarms: canaryReferences,
      ignore_poll_alarm_failure: false,
    });
  });

  it("points the canary alarms at the new version (ExecutedVersion) behind the live alias, with no pager action", () => {
    const version = referenceTo(synthesized, "aws_lambda_function", "service/function", "version");
    const canaries = resourcesUnder(synthesized, "aws_cloudwatch_metric_alarm", "delivery/");

    expect(canaries.map((alarm) => alarm.alarm_name)).toEqual([
      names.canaryErrorsAlarmName,
      names.canaryDurationAlarmName,
    ]);
    for (const alarm of canaries) {
      expect(alarm.dimensions).toEqual({
        FunctionName: names.functionName,
        Resource: `${names.functionName}:live`,
        ExecutedVersion: version,
      });
      expect(alarm.alarm_actions).toBeUndefined();
      expect(alarm.ok_actions).toBeUndefined();
    }
    expect(canaries[0]).toMatchObject({
      metric_name: "Errors",
      threshold: config.delivery.canaryErrorsPerMinute,
    });
    expect(canaries[1]).toMatchObject({
      metric_name: "Duration",
      extended_statistic: "p99",
      threshold: config.delivery.canaryP99DurationMs,
    });
  });

  it("runs both hooks from the service's image with their own handler and a log group with the stage's retention", () => {
    const service = resourceAt(synthesized, "aws_lambda_function", "service/function");
    const hooks = [
      {
        path: "delivery/pre-traffic-hook",
        name: names.preTrafficHookName,
        command: PRE_TRAFFIC_COMMAND,
      },
      {
        path: "delivery/post-traffic-hook",
        name: names.postTrafficHookName,
        command: POST_TRAFFIC_COMMAND,
      },
    ];

    for (const hook of hooks) {
      expect(resourceAt(synthesized, "aws_lambda_function", `${hook.path}/function`)).toMatchObject(
        {
          function_name: hook.name,
          package_type: "Image",
          image_uri: service.image_uri,
          image_config: { command: [hook.command] },
        },
      );
      expect(resourceAt(synthesized, "aws_cloudwatch_log_group", `${hook.path}/log-group`)).toEqual(
        expect.objectContaining({
          name: `/aws/lambda/${hook.name}`,
          retention_in_days: config.function.logRetentionDays,
        }),
      );
    }
  });

  it.each([
    "delivery/pre-traffic-hook",
    "delivery/post-traffic-hook",
    "delivery/hook-failure-reporter",
  ])("builds %s with no alias and no published versions: it is invoked by name", (hookPath) => {
    const hook = resourceAt(synthesized, "aws_lambda_function", `${hookPath}/function`);

    expect(resourcesUnder(synthesized, "aws_lambda_alias", hookPath)).toEqual([]);
    expect(resourcesUnder(synthesized, "aws_lambda_function_url", hookPath)).toEqual([]);
    expect(hook.publish).toBe(false);
  });

  it("gives the post-traffic hook every stage alarm to check, steady-state and canary", () => {
    const hook = resourceAt(
      synthesized,
      "aws_lambda_function",
      "delivery/post-traffic-hook/function",
    );
    const steadyStateIds = Object.keys(
      synthesized.terraform.resource.aws_cloudwatch_metric_alarm ?? {},
    ).filter((id) => id.startsWith("alarms_"));
    const alarmNames = (hook.environment as { variables: { ALARM_NAMES: string } }).variables
      .ALARM_NAMES;

    expect(steadyStateIds.length).toBeGreaterThan(0);
    for (const id of steadyStateIds) {
      expect(alarmNames).toContain(`aws_cloudwatch_metric_alarm.${id}.alarm_name`);
    }
    expect(alarmNames).toContain(`"${names.canaryErrorsAlarmName}"`);
    expect(alarmNames).toContain(`"${names.canaryDurationAlarmName}"`);
  });

  it("lets CodeDeploy shift only this alias, invoke only these hooks and read only the canary alarms", () => {
    const { id: account, region } = config.account;
    const lambdaArn = (name: string) => `arn:aws:lambda:${region}:${account}:function:${name}`;
    const policy = parsePolicy(
      resourceAt(synthesized, "aws_iam_role_policy", "delivery/codedeploy-role-policy").policy,
    );
    const trust = parsePolicy(
      resourceAt(synthesized, "aws_iam_role", "delivery/codedeploy-role").assume_role_policy,
    );

    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "codedeploy.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": account } },
      }),
    ]);
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Action: ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
        Resource: [lambdaArn(names.functionName), `${lambdaArn(names.functionName)}:*`],
      }),
      expect.objectContaining({
        Action: "lambda:InvokeFunction",
        Resource: [
          lambdaArn(names.preTrafficHookName),
          `${lambdaArn(names.preTrafficHookName)}:*`,
          lambdaArn(names.postTrafficHookName),
          `${lambdaArn(names.postTrafficHookName)}:*`,
        ],
      }),
      expect.objectContaining({
        Action: "cloudwatch:DescribeAlarms",
        Resource: [names.canaryErrorsAlarmName, names.canaryDurationAlarmName].map(
          (name) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`,
        ),
      }),
    ]);
    expect(resourcesOfType(synthesized, "aws_iam_role_policy_attachment")).toHaveLength(0);
  });

  it("lets the pre-traffic hook invoke only this function's versions and report only to this deployment group", () => {
    const { id: account, region } = config.account;
    const policy = parsePolicy(
      resourceAt(synthesized, "aws_iam_role_policy", "delivery/pre-traffic-hook-policy").policy,
    );

    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
        Resource: `arn:aws:lambda:${region}:${account}:function:${names.functionName}:*`,
      }),
      expect.objectContaining({
        Action: ["codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"],
        Resource: `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${names.applicationName}/${names.deploymentGroupName}`,
      }),
      expect.objectContaining({
        Action: "codedeploy:GetApplicationRevision",
        Resource: `arn:aws:codedeploy:${region}:${account}:application:${names.applicationName}`,
      }),
    ]);
  });

  it("lets the post-traffic hook read only this stage's alarms", () => {
    const policy = parsePolicy(
      resourceAt(synthesized, "aws_iam_role_policy", "delivery/post-traffic-hook-policy").policy,
    );
    const [alarms] = policy.Statement;

    expect(alarms?.Action).toBe("cloudwatch:DescribeAlarms");
    expect(alarms?.Resource).toHaveLength(
      resourcesOfType(synthesized, "aws_cloudwatch_metric_alarm").length,
    );
    for (const arn of alarms?.Resource ?? []) {
      expect(arn).toMatch(
        new RegExp(`^arn:aws:cloudwatch:${config.account.region}:${config.account.id}:alarm:.+`),
      );
    }
  });

  it("lets the post-traffic hook read the target version's label and the AppSpec, and nothing more of the function", () => {
    const { id: account, region } = config.account;
    const policy = parsePolicy(
      resourceAt(synthesized, "aws_iam_role_policy", "delivery/post-traffic-hook-policy").policy,
    );

    expect(policy.Statement.slice(2)).toEqual([
      expect.objectContaining({
        Action: "lambda:GetFunctionConfiguration",
        Resource: `arn:aws:lambda:${region}:${account}:function:${names.functionName}:*`,
      }),
      expect.objectContaining({
        Action: "codedeploy:GetApplicationRevision",
        Resource: `arn:aws:codedeploy:${region}:${account}:application:${names.applicationName}`,
      }),
    ]);
    expect(JSON.stringify(policy)).not.toContain("lambda:InvokeFunction");
  });

  it("gives the post-traffic hook the stage's Function URL and its auth type to smoke-test", () => {
    const hook = resourceAt(
      synthesized,
      "aws_lambda_function",
      "delivery/post-traffic-hook/function",
    );
    const { variables } = hook.environment as { variables: Record<string, string> };

    expect(variables.FUNCTION_URL).toBe(
      referenceTo(synthesized, "aws_lambda_function_url", "service/url", "function_url"),
    );
    expect(variables.FUNCTION_URL_AUTH_TYPE).toBe(config.function.url.authType);
    expect(hook.timeout).toBe(60);
  });

  it("runs the hook failure reporter from the service's image with its own handler and log group", () => {
    const service = resourceAt(synthesized, "aws_lambda_function", "service/function");
    const reporterName = hookFailureReporterName(config);

    expect(
      resourceAt(synthesized, "aws_lambda_function", "delivery/hook-failure-reporter/function"),
    ).toMatchObject({
      function_name: reporterName,
      package_type: "Image",
      image_uri: service.image_uri,
      image_config: { command: [HOOK_FAILURE_REPORTER_COMMAND] },
      logging_config: {
        log_group: expect.stringContaining("delivery_hook-failure-reporter_log-group"),
      },
    });
    expect(
      resourceAt(
        synthesized,
        "aws_cloudwatch_log_group",
        "delivery/hook-failure-reporter/log-group",
      ),
    ).toEqual(
      expect.objectContaining({
        name: `/aws/lambda/${reporterName}`,
        retention_in_days: config.function.logRetentionDays,
      }),
    );
  });

  it.each(["pre-traffic-hook", "post-traffic-hook"])(
    "never retries the %s and sends its failed invocations to the reporter",
    (hook) => {
      const invokeConfig = resourceAt(
        synthesized,
        "aws_lambda_function_event_invoke_config",
        `delivery/${hook}-invoke-config`,
      );

      expect(invokeConfig).toMatchObject({
        function_name: referenceTo(
          synthesized,
          "aws_lambda_function",
          `delivery/${hook}/function`,
          "function_name",
        ),
        maximum_retry_attempts: 0,
        maximum_event_age_in_seconds: HOOK_MAXIMUM_EVENT_AGE_SECONDS,
        destination_config: {
          on_failure: {
            destination: referenceTo(
              synthesized,
              "aws_lambda_function",
              "delivery/hook-failure-reporter/function",
              "arn",
            ),
          },
        },
      });
      // The unqualified function: $LATEST, which CodeDeploy invokes by name.
      expect(invokeConfig.qualifier).toBeUndefined();
      // Lambda refuses a destination the hook's role may not invoke: the grant comes first.
      expect(invokeConfig.depends_on).toEqual([
        expect.stringMatching(
          new RegExp(`^aws_iam_role_policy\\.delivery_${hook}-failure-destination-policy_`),
        ),
      ]);
    },
  );

  it("configures asynchronous invocation for the two hooks only", () => {
    const configs = resourcesOfType(synthesized, "aws_lambda_function_event_invoke_config");

    expect(configs.map((entry) => entry.function_name).sort()).toEqual(
      ["pre-traffic-hook", "post-traffic-hook"]
        .map((hook) =>
          referenceTo(
            synthesized,
            "aws_lambda_function",
            `delivery/${hook}/function`,
            "function_name",
          ),
        )
        .sort(),
    );
  });

  it.each(["pre-traffic-hook", "post-traffic-hook"])(
    "lets the %s role invoke the reporter and no other function of the stage",
    (hook) => {
      const { id: account, region } = config.account;
      const reporterArn = `arn:aws:lambda:${region}:${account}:function:${hookFailureReporterName(config)}`;
      const policy = parsePolicy(
        resourceAt(
          synthesized,
          "aws_iam_role_policy",
          `delivery/${hook}-failure-destination-policy`,
        ).policy,
      );

      expect(
        resourceAt(
          synthesized,
          "aws_iam_role_policy",
          `delivery/${hook}-failure-destination-policy`,
        ).role,
      ).toBe(referenceTo(synthesized, "aws_iam_role", `delivery/${hook}/role`, "id"));
      expect(policy.Statement).toEqual([
        expect.objectContaining({
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: [reporterArn, `${reporterArn}:*`],
        }),
      ]);
      expect(policy.Statement[0]).not.toHaveProperty("Condition");
    },
  );

  it("lets the reporter only report hook statuses to this stage's deployment group", () => {
    const { id: account, region } = config.account;
    const reporterRole = referenceTo(
      synthesized,
      "aws_iam_role",
      "delivery/hook-failure-reporter/role",
      "id",
    );
    const reporterPolicies = resourcesOfType(synthesized, "aws_iam_role_policy").filter(
      (policy) => policy.role === reporterRole,
    );
    const policy = parsePolicy(
      resourceAt(synthesized, "aws_iam_role_policy", "delivery/hook-failure-reporter-policy")
        .policy,
    );

    expect(reporterPolicies.map((entry) => entry.name).sort()).toEqual([
      "logs-and-tracing",
      "report-failed-hooks",
    ]);
    expect(policy.Statement).toEqual([
      {
        Sid: "ReportFailedHooks",
        Effect: "Allow",
        Action: "codedeploy:PutLifecycleEventHookExecutionStatus",
        Resource: `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${names.applicationName}/${names.deploymentGroupName}`,
      },
    ]);
  });

  it("derives the release command's names from the same config the stack uses", () => {
    const service = resourceAt(synthesized, "aws_lambda_function", "service/function");
    const alias = resourceAt(synthesized, "aws_lambda_alias", "service/alias");

    expect(service.function_name).toBe(names.functionName);
    expect(alias.name).toBe(names.aliasName);
    expect(synthesized.terraform.output.codedeploy_deployment_group).toBeDefined();
  });
});

describe("deploymentConfigFor", () => {
  it("creates a custom config for a traffic shape AWS does not predefine", () => {
    const config = makeStageConfig("prod", {
      delivery: { trafficShifting: { kind: "canary", percentage: 20, intervalMinutes: 3 } },
    });

    const synthesized = synthStageStack(config);

    expect(deploymentConfigFor(config)).toMatchObject({ kind: "custom" });
    const custom = resourceAt(
      synthesized,
      "aws_codedeploy_deployment_config",
      "delivery/deployment-config",
    );
    expect(custom).toMatchObject({
      deployment_config_name: "agnostic-lambda-core-prod-canary-20pct-every-3min",
      compute_platform: "Lambda",
      traffic_routing_config: {
        type: "TimeBasedCanary",
        time_based_canary: { percentage: 20, interval: 3 },
      },
    });
    expect(
      resourceAt(synthesized, "aws_codedeploy_deployment_group", "delivery/deployment-group")
        .deployment_config_name,
    ).toBe(
      referenceTo(
        synthesized,
        "aws_codedeploy_deployment_config",
        "delivery/deployment-config",
        "deployment_config_name",
      ),
    );
  });

  it.each([
    [{ kind: "linear", percentage: 25, intervalMinutes: 2 } as const, "custom TimeBasedLinear"],
    [{ kind: "linear", percentage: 10, intervalMinutes: 10 } as const, "predefined"],
    [{ kind: "canary", percentage: 10, intervalMinutes: 30 } as const, "predefined"],
  ])("maps %o to a %s config", (trafficShifting, expected) => {
    const config = makeStageConfig("test", { delivery: { trafficShifting } });

    const choice = deploymentConfigFor(config);

    if (expected === "predefined") {
      expect(choice.kind).toBe("predefined");
      expect(choice.name).toMatch(/^CodeDeployDefault\.Lambda(Linear|Canary)10Percent/);
    } else {
      expect(choice).toMatchObject({ kind: "custom", type: "TimeBasedLinear" });
    }
  });
});

describe("the hook commands", () => {
  it.each([PRE_TRAFFIC_COMMAND, POST_TRAFFIC_COMMAND, HOOK_FAILURE_REPORTER_COMMAND])(
    "%s names an export of the built bundle (npm run build writes function/dist/meta.json)",
    (command) => {
      const [bundle, exportName] = command.split(".");
      const metafile = "function/dist/meta.json";
      if (!existsSync(metafile)) throw new Error(`${metafile} is missing: run npm run build first`);
      const outputs = (
        JSON.parse(readFileSync(metafile, "utf8")) as {
          outputs: Record<string, { exports: string[] }>;
        }
      ).outputs;

      expect(outputs[`function/dist/${bundle}.mjs`]?.exports).toContain(exportName);
    },
  );
});
