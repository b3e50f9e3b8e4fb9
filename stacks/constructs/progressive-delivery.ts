import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CodedeployApp } from "@cdktf/provider-aws/lib/codedeploy-app";
import { CodedeployDeploymentConfig } from "@cdktf/provider-aws/lib/codedeploy-deployment-config";
import { CodedeployDeploymentGroup } from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import type { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import type { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { Fn, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import {
  architectureOf,
  type ImageSelection,
  resourceName,
  type StageConfig,
  type TrafficShifting,
} from "../config";
import { waive } from "../guardrails/waiver";
import { type DeliveryNames, deliveryNames, stagePermissionsBoundaryArn } from "../names";
import { ContainerFunction } from "./container-function";
import { policyDocument } from "./policy-document";

/** `image_config.command` of the hooks: `<bundle>.<export>` in function/dist (function/delivery/hooks). */
export const PRE_TRAFFIC_COMMAND = "hooks.preTraffic";
export const POST_TRAFFIC_COMMAND = "hooks.postTraffic";
/** The hooks' on-failure destination: reports `Failed` for a hook invocation that failed hard. */
export const HOOK_FAILURE_REPORTER_COMMAND = "hooks.reportHookFailure";

/**
 * How long a hook event may wait in Lambda's asynchronous queue (throttled, say) before Lambda
 * gives up on it and sends it to the failure reporter: minutes, not the six-hour default, so a
 * deployment that cannot run its hook rolls back long before CodeDeploy's one-hour limit.
 */
export const HOOK_MAXIMUM_EVENT_AGE_SECONDS = 300;

/** `<project>-<stage>-hook-failure-reporter`: the function both hooks' failures go to. */
export function hookFailureReporterName(config: StageConfig): string {
  return resourceName(config, "hook-failure-reporter");
}

/** The rollback triggers every stage gets: a failed hook, a canary alarm, an operator's stop. */
export const AUTO_ROLLBACK_EVENTS = [
  "DEPLOYMENT_FAILURE",
  "DEPLOYMENT_STOP_ON_ALARM",
  "DEPLOYMENT_STOP_ON_REQUEST",
] as const;

/** A CodeDeploy deployment config: one of AWS's predefined ones, or a custom one to create. */
export type DeploymentConfigChoice =
  | { readonly kind: "predefined"; readonly name: string }
  | {
      readonly kind: "custom";
      readonly name: string;
      readonly type: "TimeBasedCanary" | "TimeBasedLinear";
      readonly percentage: number;
      readonly intervalMinutes: number;
    };

/**
 * Maps the stage's traffic shifting onto CodeDeploy: the shapes AWS predefines use their
 * `CodeDeployDefault.Lambda*` config, anything else becomes a custom config named after the stage.
 *
 * @example deploymentConfigFor(STAGES.prod) // { kind: "predefined", name: "CodeDeployDefault.LambdaCanary10Percent5Minutes" }
 */
export function deploymentConfigFor(config: StageConfig): DeploymentConfigChoice {
  const shifting: TrafficShifting = config.delivery.trafficShifting;
  if (shifting.kind === "all-at-once") {
    return { kind: "predefined", name: "CodeDeployDefault.LambdaAllAtOnce" };
  }
  const predefined = PREDEFINED[shifting.kind].find(
    (entry) =>
      entry.percentage === shifting.percentage &&
      entry.intervalMinutes === shifting.intervalMinutes,
  );
  if (predefined) return { kind: "predefined", name: predefined.name };
  return {
    kind: "custom",
    name: resourceName(
      config,
      `${shifting.kind}-${shifting.percentage}pct-every-${shifting.intervalMinutes}min`,
    ),
    type: shifting.kind === "canary" ? "TimeBasedCanary" : "TimeBasedLinear",
    percentage: shifting.percentage,
    intervalMinutes: shifting.intervalMinutes,
  };
}

const PREDEFINED = {
  canary: [5, 10, 15, 30].map((intervalMinutes) => ({
    percentage: 10,
    intervalMinutes,
    name: `CodeDeployDefault.LambdaCanary10Percent${intervalMinutes}Minutes`,
  })),
  linear: [
    {
      percentage: 10,
      intervalMinutes: 1,
      name: "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    },
    {
      percentage: 10,
      intervalMinutes: 2,
      name: "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    },
    {
      percentage: 10,
      intervalMinutes: 3,
      name: "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    },
    {
      percentage: 10,
      intervalMinutes: 10,
      name: "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    },
  ],
} as const;

export interface ProgressiveDeliveryProps {
  readonly config: StageConfig;
  /** The image the hooks run from: the service's own image, with another handler. */
  readonly image: ImageSelection;
  /** The service whose `live` alias CodeDeploy shifts, and whose new version the canary alarms watch. */
  readonly service: {
    readonly lambda: LambdaFunction;
    readonly alias: LambdaAlias;
    /** The alias's Function URL: the post-traffic hook smoke-tests it once the traffic shifted. */
    readonly functionUrl: LambdaFunctionUrl;
  };
  /**
   * The stage's steady-state alarms (they page people). The post-traffic hook checks them; they
   * are never attached to the deployment group, so an old version's alarm cannot block a hotfix.
   */
  readonly alarms: { readonly alarms: readonly CloudwatchMetricAlarm[] };
  /** @default 60 (three smoke invocations, each possibly a cold start) */
  readonly preTrafficTimeoutSeconds?: number;
  /** @default 60 (waiting for the URL to serve the new version, then its smoke checks) */
  readonly postTrafficTimeoutSeconds?: number;
}

/**
 * Progressive delivery of the service with automatic rollback: a CodeDeploy application and
 * deployment group (Lambda, BLUE_GREEN with traffic control) shifting the `live` alias as the
 * stage config says, canary alarms on the new version that stop and roll back a bad release,
 * and pre-/post-traffic hook functions run from the same image. A hook invocation that fails
 * hard (out of memory, the runtime exiting, Lambda's timeout) is not retried but sent to a third
 * function, the hook failure reporter, which reports `Failed` so the deployment rolls back at
 * once. Every role is scoped to this stage's function, alias, hooks and alarms.
 *
 * Canary alarms and the hotfix problem: the alarms carry the dimensions FunctionName, Resource
 * (`<function>:live`) and ExecutedVersion, with ExecutedVersion bound to the function's latest
 * published version (`aws_lambda_function.version`). Each `terraform apply` that publishes a new
 * version re-points them at it, and a release targets that latest version, so during the
 * traffic shift the alarms see only the new version's invocations. An old version that is failing
 * (the reason for a hotfix) raises the alias-wide steady-state alarms, not these: it cannot stop
 * the deployment that replaces it. A metric-math SEARCH over ExecutedVersion cannot be alarmed on,
 * and an alias-wide alarm would include the old version's errors; this is why the version is bound
 * at apply time. A release of an older version (`--target-version`) is not watched by them: the
 * release command warns about it.
 *
 * @example new ProgressiveDelivery(this, "delivery", { config, image, service: this.service, alarms: this.alarms });
 */
export class ProgressiveDelivery extends Construct {
  readonly names: DeliveryNames;
  readonly application: CodedeployApp;
  readonly deploymentGroup: CodedeployDeploymentGroup;
  /** Present when the stage's traffic shifting is not one of AWS's predefined configs. */
  readonly customDeploymentConfig: CodedeployDeploymentConfig | undefined;
  readonly serviceRole: IamRole;
  /** Errors and p99 duration of the new version; attached to the deployment group, no pager. */
  readonly canaryAlarms: readonly CloudwatchMetricAlarm[];
  readonly preTrafficHook: ContainerFunction;
  readonly postTrafficHook: ContainerFunction;
  /** Reports `Failed` for a hook whose invocation failed hard (crash, out of memory, timeout). */
  readonly hookFailureReporter: ContainerFunction;
  /** No retries, a short event age, and failures sent to the reporter: one per hook. */
  readonly hookInvokeConfigs: readonly LambdaFunctionEventInvokeConfig[];

  constructor(scope: Construct, id: string, props: ProgressiveDeliveryProps) {
    super(scope, id);
    const { config } = props;
    const names = deliveryNames(config);
    this.names = names;
    const { id: accountId, region } = config.account;
    const functionArn = `arn:aws:lambda:${region}:${accountId}:function:${names.functionName}`;
    const hookArn = (name: string) => `arn:aws:lambda:${region}:${accountId}:function:${name}`;
    const alarmArn = (name: string) => `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`;
    const applicationArn = `arn:aws:codedeploy:${region}:${accountId}:application:${names.applicationName}`;
    const deploymentGroupArn = `arn:aws:codedeploy:${region}:${accountId}:deploymentgroup:${names.applicationName}/${names.deploymentGroupName}`;

    const canaryDimensions = {
      FunctionName: names.functionName,
      Resource: `${names.functionName}:${names.aliasName}`,
      // The latest published version: the one the next release shifts traffic to (see above).
      ExecutedVersion: props.service.lambda.version,
    };
    this.canaryAlarms = [
      new CloudwatchMetricAlarm(this, "canary-errors", {
        alarmName: names.canaryErrorsAlarmName,
        alarmDescription:
          `Deployment guard: the new version of ${names.functionName} raised ` +
          `${config.delivery.canaryErrorsPerMinute}+ errors in a minute while traffic shifted to it. ` +
          "CodeDeploy stops the deployment and rolls back; nobody is paged.",
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: canaryDimensions,
        statistic: "Sum",
        period: 60,
        evaluationPeriods: 1,
        threshold: config.delivery.canaryErrorsPerMinute,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        // A version that serves nothing yet has no errors.
        treatMissingData: "notBreaching",
      }),
      new CloudwatchMetricAlarm(this, "canary-p99-duration", {
        alarmName: names.canaryDurationAlarmName,
        alarmDescription:
          `Deployment guard: the new version of ${names.functionName} has a p99 duration of ` +
          `${config.delivery.canaryP99DurationMs} ms or more in 2 of the last 3 minutes. ` +
          "CodeDeploy stops the deployment and rolls back; nobody is paged.",
        namespace: "AWS/Lambda",
        metricName: "Duration",
        dimensions: canaryDimensions,
        extendedStatistic: "p99",
        // A canary gets few requests; judge them anyway rather than wait for a big sample.
        evaluateLowSampleCountPercentiles: "evaluate",
        period: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        threshold: config.delivery.canaryP99DurationMs,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      }),
    ];
    // No alarm action on purpose: a canary alarm's action is CodeDeploy's automatic rollback.
    for (const alarm of this.canaryAlarms) {
      waive(
        alarm,
        "ALC006",
        "Canary alarm: its action is CodeDeploy's automatic rollback (the deployment group watches it " +
          "with DEPLOYMENT_STOP_ON_ALARM). Paging people for a canary that is already being rolled back " +
          "would duplicate the release's own failure report and the steady-state alarms' pages.",
      );
    }
    const canaryAlarmNames = [names.canaryErrorsAlarmName, names.canaryDurationAlarmName];

    const deploymentGroupAccess = {
      Sid: "ReportHookStatus",
      Effect: "Allow" as const,
      Action: ["codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"],
      Resource: deploymentGroupArn,
    };
    const reporterName = hookFailureReporterName(config);
    const reporterArn = `arn:aws:lambda:${region}:${accountId}:function:${reporterName}`;
    // No alias: CodeDeploy invokes a hook by the name in the AppSpec, i.e. its $LATEST, so the
    // hooks publish no versions and need none.
    const hookProps = {
      accountId,
      region,
      imageUri: props.image.uri,
      version: props.image.tag,
      architecture: architectureOf(config),
      memoryMb: 256,
      logRetentionDays: config.function.logRetentionDays,
      logLevel: config.function.logLevel,
      permissionsBoundary: stagePermissionsBoundaryArn(config),
    };

    this.preTrafficHook = new ContainerFunction(this, "pre-traffic-hook", {
      ...hookProps,
      functionName: names.preTrafficHookName,
      command: [PRE_TRAFFIC_COMMAND],
      timeoutSeconds: props.preTrafficTimeoutSeconds ?? 60,
    });
    new IamRolePolicy(this, "pre-traffic-hook-policy", {
      name: "smoke-test-target-version",
      role: this.preTrafficHook.role.id,
      policy: policyDocument([
        {
          Sid: "SmokeTestVersions",
          Effect: "Allow",
          // Versions only (`:<n>`): the hook invokes the target version directly, never the alias.
          Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
          Resource: `${functionArn}:*`,
        },
        deploymentGroupAccess,
        {
          Sid: "ReadAppSpec",
          Effect: "Allow",
          Action: "codedeploy:GetApplicationRevision",
          Resource: applicationArn,
        },
      ]),
    });

    const steadyStateAlarmNames = props.alarms.alarms.map((alarm) => alarm.alarmName);
    const checkedAlarmNames = [...steadyStateAlarmNames, ...canaryAlarmNames];
    this.postTrafficHook = new ContainerFunction(this, "post-traffic-hook", {
      ...hookProps,
      functionName: names.postTrafficHookName,
      command: [POST_TRAFFIC_COMMAND],
      timeoutSeconds: props.postTrafficTimeoutSeconds ?? 60,
      environment: {
        ALARM_NAMES: Fn.join(",", checkedAlarmNames),
        // No cycle: the URL depends on the service and its alias, never on the hooks (the AppSpec
        // names them at release time). A public URL needs no AWS rights to call.
        FUNCTION_URL: props.service.functionUrl.functionUrl,
        FUNCTION_URL_AUTH_TYPE: config.function.url.authType,
      },
    });
    new IamRolePolicy(this, "post-traffic-hook-policy", {
      name: "check-stage-alarms",
      role: this.postTrafficHook.role.id,
      policy: policyDocument([
        {
          Sid: "ReadStageAlarms",
          Effect: "Allow",
          Action: "cloudwatch:DescribeAlarms",
          Resource: checkedAlarmNames.map(alarmArn),
        },
        deploymentGroupAccess,
        {
          // The target version's VERSION: what the Function URL must report after the shift.
          Sid: "ReadTargetVersionLabel",
          Effect: "Allow",
          Action: "lambda:GetFunctionConfiguration",
          Resource: `${functionArn}:*`,
        },
        {
          Sid: "ReadAppSpec",
          Effect: "Allow",
          Action: "codedeploy:GetApplicationRevision",
          Resource: applicationArn,
        },
      ]),
    });

    // A hook invocation that fails hard (out of memory, the runtime exiting, an init error, the
    // Lambda timeout) never reaches the hook's own catch, so it cannot report. Lambda sends such
    // an invocation to the on-failure destination, which reports Failed in its place.
    this.hookFailureReporter = new ContainerFunction(this, "hook-failure-reporter", {
      ...hookProps,
      functionName: reporterName,
      command: [HOOK_FAILURE_REPORTER_COMMAND],
      // One PutLifecycleEventHookExecutionStatus call, with the SDK's retries. Its own
      // asynchronous invocations keep Lambda's default two retries: a refused report is retried.
      timeoutSeconds: 30,
    });
    new IamRolePolicy(this, "hook-failure-reporter-policy", {
      name: "report-failed-hooks",
      role: this.hookFailureReporter.role.id,
      policy: policyDocument([
        {
          Sid: "ReportFailedHooks",
          Effect: "Allow",
          Action: "codedeploy:PutLifecycleEventHookExecutionStatus",
          Resource: deploymentGroupArn,
        },
      ]),
    });
    this.hookInvokeConfigs = [
      this.sendFailuresToReporter("pre-traffic-hook", this.preTrafficHook, reporterArn),
      this.sendFailuresToReporter("post-traffic-hook", this.postTrafficHook, reporterArn),
    ];

    this.serviceRole = new IamRole(this, "codedeploy-role", {
      name: names.codeDeployRoleName,
      description: `CodeDeploy shifts the ${names.aliasName} alias of ${names.functionName}`,
      permissionsBoundary: stagePermissionsBoundaryArn(config),
      assumeRolePolicy: policyDocument([
        {
          Sid: "CodeDeployAssumeRole",
          Effect: "Allow",
          Principal: { Service: "codedeploy.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
      ]),
    });
    // What AWSCodeDeployRoleForLambdaLimited grants, scoped to this stage: that managed policy
    // allows every alias and alarm in the account (Resource "*") and sns:Publish to any topic.
    new IamRolePolicy(this, "codedeploy-role-policy", {
      name: "shift-live-alias",
      role: this.serviceRole.id,
      policy: policyDocument([
        {
          Sid: "ShiftLiveAlias",
          Effect: "Allow",
          Action: [
            "lambda:GetAlias",
            "lambda:UpdateAlias",
            "lambda:GetProvisionedConcurrencyConfig",
          ],
          // `:*` as well: CodeDeploy qualifies these calls with the alias or a version number
          // (GetProvisionedConcurrencyConfig on the target version), as AWS's managed policy allows.
          Resource: [functionArn, `${functionArn}:*`],
        },
        {
          Sid: "InvokeDeploymentHooks",
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          // The hooks publish no versions, but an AppSpec may name one (`<hook>:<qualifier>`).
          Resource: [names.preTrafficHookName, names.postTrafficHookName].flatMap((name) => [
            hookArn(name),
            `${hookArn(name)}:*`,
          ]),
        },
        {
          Sid: "WatchCanaryAlarms",
          Effect: "Allow",
          Action: "cloudwatch:DescribeAlarms",
          Resource: canaryAlarmNames.map(alarmArn),
        },
      ]),
    });

    this.application = new CodedeployApp(this, "application", {
      name: names.applicationName,
      computePlatform: "Lambda",
    });

    const choice = deploymentConfigFor(config);
    this.customDeploymentConfig =
      choice.kind === "custom"
        ? new CodedeployDeploymentConfig(this, "deployment-config", {
            deploymentConfigName: choice.name,
            computePlatform: "Lambda",
            trafficRoutingConfig: {
              type: choice.type,
              ...(choice.type === "TimeBasedCanary"
                ? {
                    timeBasedCanary: {
                      percentage: choice.percentage,
                      interval: choice.intervalMinutes,
                    },
                  }
                : {
                    timeBasedLinear: {
                      percentage: choice.percentage,
                      interval: choice.intervalMinutes,
                    },
                  }),
            },
          })
        : undefined;

    this.deploymentGroup = new CodedeployDeploymentGroup(this, "deployment-group", {
      appName: this.application.name,
      deploymentGroupName: names.deploymentGroupName,
      serviceRoleArn: this.serviceRole.arn,
      deploymentConfigName: this.customDeploymentConfig?.deploymentConfigName ?? choice.name,
      deploymentStyle: {
        deploymentType: "BLUE_GREEN",
        deploymentOption: "WITH_TRAFFIC_CONTROL",
      },
      autoRollbackConfiguration: { enabled: true, events: [...AUTO_ROLLBACK_EVENTS] },
      alarmConfiguration: {
        enabled: true,
        alarms: this.canaryAlarms.map((alarm) => alarm.alarmName),
        // Unreadable alarms must stop the deployment, not let it proceed unguarded.
        ignorePollAlarmFailure: false,
      },
    });

    // Stable output names (not path-derived) for operators and scripts.
    new TerraformOutput(this, "codedeploy_application", {
      value: this.application.name,
    }).overrideLogicalId("codedeploy_application");
    new TerraformOutput(this, "codedeploy_deployment_group", {
      value: this.deploymentGroup.deploymentGroupName,
    }).overrideLogicalId("codedeploy_deployment_group");
  }

  /**
   * The hook's asynchronous invocation settings: no retries, a short event age, and the failure
   * reporter as on-failure destination, which the hook's own role must be allowed to invoke.
   */
  private sendFailuresToReporter(
    id: string,
    hook: ContainerFunction,
    reporterArn: string,
  ): LambdaFunctionEventInvokeConfig {
    // Lambda delivers a destination record with the hook's execution role, not a role of its own.
    const invokeReporter = new IamRolePolicy(this, `${id}-failure-destination-policy`, {
      name: "invoke-hook-failure-reporter",
      role: hook.role.id,
      policy: policyDocument([
        {
          Sid: "InvokeHookFailureReporter",
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          // The reporter publishes no versions; `:*` covers a qualified destination all the same.
          Resource: [reporterArn, `${reporterArn}:*`],
        },
      ]),
    });
    return new LambdaFunctionEventInvokeConfig(this, `${id}-invoke-config`, {
      // No qualifier: the unqualified function, i.e. $LATEST, which CodeDeploy invokes by name.
      functionName: hook.lambda.functionName,
      // Never retried: a check that failed or crashed must not be re-run until it happens to pass
      // (a flaky version would then go live), and a retry after a report would be refused anyway.
      // A failed invocation goes straight to the reporter, which reports Failed.
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: HOOK_MAXIMUM_EVENT_AGE_SECONDS,
      destinationConfig: { onFailure: { destination: this.hookFailureReporter.lambda.arn } },
      // Lambda checks the destination permission when the config is put: the role must have it.
      dependsOn: [invokeReporter],
    });
  }
}
