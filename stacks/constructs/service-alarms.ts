import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";
import type { StageConfig } from "../config";
import { AlarmTopic } from "./alarm-topic";
import type { CiRoleArns } from "./ci-roles";

/** What the alarms compare against: the stage config's `alarms` block. */
export type AlarmThresholds = StageConfig["alarms"];

export type TreatMissingData = "notBreaching" | "breaching" | "ignore" | "missing";

/** One alarm, as plain data: what {@link ServiceAlarms} turns into a `aws_cloudwatch_metric_alarm`. */
export interface AlarmDefinition {
  /** Suffix of the alarm name and construct id (`errors`, `throttles`, ...). */
  readonly key: string;
  readonly metricName: string;
  readonly statistic?: "Sum" | "Maximum";
  readonly extendedStatistic?: string;
  readonly threshold: number;
  readonly treatMissingData: TreatMissingData;
  readonly description: string;
  /**
   * `alias`: the alias's own metric (dimensions FunctionName and Resource); `account`: the
   * account-wide metric (no dimensions), for limits every function of the account shares.
   */
  readonly scope: "alias" | "account";
}

/**
 * The alarms every service alias gets, as plain data (pure: no constructs, easy to test).
 * Each `treatMissingData` is a decision, explained next to it.
 */
export function serviceAlarmDefinitions(
  thresholds: AlarmThresholds,
  reservedConcurrency: number | undefined,
): readonly AlarmDefinition[] {
  const concurrencyLimit = reservedConcurrency ?? thresholds.accountConcurrencyLimit;
  const limitKind = reservedConcurrency === undefined ? "account limit" : "reserved concurrency";
  const concurrencyThreshold = Math.max(
    1,
    Math.floor(concurrencyLimit * thresholds.concurrencyUtilization),
  );
  return [
    {
      key: "errors",
      metricName: "Errors",
      statistic: "Sum",
      threshold: thresholds.errorsPerMinute,
      // No data means no invocations, and no invocations cannot have failed.
      treatMissingData: "notBreaching",
      scope: "alias",
      description:
        `Invocations of the live alias ended in a function error (unhandled exception, crash or timeout) ` +
        `at ${thresholds.errorsPerMinute}+ per minute. Check the function's log group for errors and ` +
        "the latest deployment; roll back with CodeDeploy if it started with a release.",
    },
    {
      key: "throttles",
      metricName: "Throttles",
      statistic: "Sum",
      threshold: thresholds.throttlesPerMinute,
      // No data means no throttled invocations.
      treatMissingData: "notBreaching",
      scope: "alias",
      description:
        `Lambda rejected ${thresholds.throttlesPerMinute}+ invocations per minute for lack of concurrency ` +
        `(callers got 429). Raise the reserved concurrency or the account limit (Service Quotas), ` +
        "or find the traffic spike.",
    },
    {
      key: "p99-duration",
      metricName: "Duration",
      extendedStatistic: "p99",
      threshold: thresholds.p99DurationMs,
      // Without traffic there is no latency to judge: keep the last state ("ignore") rather than
      // flap to OK or fall to INSUFFICIENT_DATA ("missing" would), so an incident ends with a
      // real ALARM -> OK transition that the DORA recorder can time.
      treatMissingData: "ignore",
      scope: "alias",
      description:
        `The slowest 1% of invocations took ${thresholds.p99DurationMs} ms or more, the budget below ` +
        "the timeout. Look at X-Ray traces and recent deployments before invocations start timing out.",
    },
    {
      key: "url-5xx",
      metricName: "Url5xxCount",
      statistic: "Sum",
      threshold: thresholds.url5xxPerMinute,
      // No data means no Function URL requests, hence no server errors.
      treatMissingData: "notBreaching",
      scope: "alias",
      description:
        `The Function URL answered ${thresholds.url5xxPerMinute}+ server errors (5xx) per minute: ` +
        "clients are failing. Check the function's logs and the Errors/Throttles alarms for the cause.",
    },
    {
      key: "concurrency",
      metricName: "ConcurrentExecutions",
      statistic: "Maximum",
      threshold: concurrencyThreshold,
      // No data means nothing is running: far from the limit.
      treatMissingData: "notBreaching",
      // Reserved concurrency caps this function alone; without it the function draws on the
      // account's pool, which every function of the account shares: watch the whole account.
      scope: reservedConcurrency === undefined ? "account" : "alias",
      description:
        `${reservedConcurrency === undefined ? "Concurrent executions of all functions in the account" : "Concurrent executions of the alias"} ` +
        `reached ${concurrencyThreshold}, ${Math.round(thresholds.concurrencyUtilization * 100)}% ` +
        `of the ${limitKind} (${concurrencyLimit}); throttling is next (the v2 service hit the ` +
        "default account limit at 150-180 users). Raise the limit before users see 429s.",
    },
  ];
}

export interface ServiceAlarmsProps {
  readonly functionName: string;
  /** Alarms watch this alias: all traffic goes through it. @default "live" */
  readonly aliasName?: string;
  readonly thresholds: AlarmThresholds;
  /** @default undefined: the concurrency alarm measures against the account limit */
  readonly reservedConcurrency?: number;
  /** Prefix of the alarm and topic names. @default the function name */
  readonly namePrefix?: string;
  readonly accountId: string;
  readonly region: string;
  /** @default no e-mail subscription */
  readonly emails?: readonly string[];
  /** The stage's CI roles, named in the topic key's policy. @default none */
  readonly ciRoles?: CiRoleArns;
}

/**
 * The alarms on a function's alias (errors, throttles, p99 duration, Function URL 5xx,
 * concurrency against the reserved concurrency, or against the account limit on the
 * account-wide metric when nothing is reserved), each notifying an encrypted SNS topic when it
 * fires and when it recovers.
 */
export class ServiceAlarms extends Construct {
  readonly topic: SnsTopic;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: CloudwatchMetricAlarm[];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const aliasName = props.aliasName ?? "live";
    const namePrefix = props.namePrefix ?? props.functionName;

    this.alarmTopic = new AlarmTopic(this, "topic", {
      topicName: `${namePrefix}-alarms`,
      accountId: props.accountId,
      region: props.region,
      emails: props.emails,
      ciRoles: props.ciRoles,
    });
    this.topic = this.alarmTopic.topic;

    this.alarms = serviceAlarmDefinitions(props.thresholds, props.reservedConcurrency).map(
      (definition) =>
        new CloudwatchMetricAlarm(this, definition.key, {
          alarmName: `${namePrefix}-${definition.key}`,
          alarmDescription: definition.description,
          namespace: "AWS/Lambda",
          metricName: definition.metricName,
          // The alias's own metrics: what users get, whichever versions serve behind it. An
          // account-scope alarm has no dimensions: the account-wide aggregate.
          dimensions:
            definition.scope === "alias"
              ? { FunctionName: props.functionName, Resource: `${props.functionName}:${aliasName}` }
              : undefined,
          statistic: definition.statistic,
          extendedStatistic: definition.extendedStatistic,
          // A percentile over a handful of requests is noise: keep the state until enough arrive.
          evaluateLowSampleCountPercentiles: definition.extendedStatistic ? "ignore" : undefined,
          period: 60,
          evaluationPeriods: props.thresholds.evaluationPeriods,
          threshold: definition.threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: definition.treatMissingData,
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
        }),
    );
  }
}
