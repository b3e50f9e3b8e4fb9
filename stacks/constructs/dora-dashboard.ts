import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";

export interface DoraDashboardProps {
  readonly dashboardName: string;
  readonly region: string;
  readonly accountId: string;
  /** The `Stage` dimension of the DORA metrics. */
  readonly stage: string;
  /** Namespace of the recorder's EMF metrics (`PROJECT.metricsNamespace`). */
  readonly metricsNamespace: string;
  /** The service function and the alias all traffic goes through. */
  readonly functionName: string;
  /** @default "live" */
  readonly aliasName?: string;
  /** The alarms whose states the dashboard shows (names, not ARNs: names are known at plan). */
  readonly alarmNames: readonly string[];
  /** The time range the dashboard opens with (ISO-8601 duration). @default "-P30D" */
  readonly start?: string;
}

type MetricRow = readonly (string | Readonly<Record<string, unknown>>)[];

interface Widget {
  readonly type: "text" | "metric" | "alarm";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

const DAY_SECONDS = 86_400;

/**
 * The dashboard body as plain data (pure: easy to test). Top: the four DORA metrics over the
 * dashboard's time range, and per day. Below: the service's health on the `live` alias
 * (requests, errors, p50/p99 duration, throttles, concurrency) and the stage's alarm states.
 *
 * Durations are published in seconds; metric math shows them in hours. The change failure rate
 * here is FailedDeployments / Deployments (failed or rolled back): deployments followed by an
 * incident are counted only by `npm run dora -- report`, which sees both records.
 */
export function doraDashboardBody(props: DoraDashboardProps): Record<string, unknown> {
  const ns = props.metricsNamespace;
  const alias = props.aliasName ?? "live";
  const dora = (metric: string, options: Record<string, unknown>): MetricRow => [
    ns,
    metric,
    "Stage",
    props.stage,
    options,
  ];
  const lambda = (metric: string, options: Record<string, unknown>): MetricRow => [
    "AWS/Lambda",
    metric,
    "FunctionName",
    props.functionName,
    "Resource",
    `${props.functionName}:${alias}`,
    options,
  ];
  const metricWidget = (
    position: Pick<Widget, "x" | "y" | "width" | "height">,
    properties: Record<string, unknown>,
  ): Widget => ({
    type: "metric",
    ...position,
    properties: { region: props.region, ...properties },
  });

  // Totals and medians over the whole time range the dashboard shows.
  const summary = { view: "singleValue", setPeriodToTimeRange: true, period: DAY_SECONDS };
  const widgets: Widget[] = [
    {
      type: "text",
      x: 0,
      y: 0,
      width: 24,
      height: 2,
      properties: {
        markdown: `## DORA metrics: ${props.stage}\nRecorded by the DORA recorder from CodeDeploy and alarm events (namespace \`${ns}\`). The authoritative report, with performance bands and incident-followed failures: \`npm run dora -- report --source aws --stage ${props.stage}\`.`,
      },
    },
    metricWidget(
      { x: 0, y: 2, width: 6, height: 4 },
      {
        ...summary,
        title: "Deployments (succeeded + failed)",
        stat: "Sum",
        metrics: [dora("Deployments", { label: "Deployments" })],
      },
    ),
    metricWidget(
      { x: 6, y: 2, width: 6, height: 4 },
      {
        ...summary,
        title: "Lead time for changes (median, hours)",
        metrics: [
          [{ expression: "leadTime / 3600", label: "Median lead time (h)", id: "leadTimeHours" }],
          dora("LeadTimeForChanges", { id: "leadTime", stat: "p50", visible: false }),
        ],
      },
    ),
    metricWidget(
      { x: 12, y: 2, width: 6, height: 4 },
      {
        ...summary,
        title: "Change failure rate (failed or rolled back, %)",
        metrics: [
          [
            {
              expression: "100 * failed / deployments",
              label: "Change failure rate (%)",
              id: "rate",
            },
          ],
          dora("FailedDeployments", { id: "failed", stat: "Sum", visible: false }),
          dora("Deployments", { id: "deployments", stat: "Sum", visible: false }),
        ],
      },
    ),
    metricWidget(
      { x: 18, y: 2, width: 6, height: 4 },
      {
        ...summary,
        title: "Time to restore (median, hours)",
        metrics: [
          [
            {
              expression: "restore / 3600",
              label: "Median time to restore (h)",
              id: "restoreHours",
            },
          ],
          dora("TimeToRestore", { id: "restore", stat: "p50", visible: false }),
        ],
      },
    ),
    metricWidget(
      { x: 0, y: 6, width: 12, height: 6 },
      {
        title: "Deployments per day",
        view: "bar",
        stacked: false,
        period: DAY_SECONDS,
        stat: "Sum",
        metrics: [
          dora("Deployments", { label: "Deployments" }),
          dora("FailedDeployments", { label: "Failed or rolled back" }),
          dora("Rollbacks", { label: "Rolled back" }),
        ],
      },
    ),
    metricWidget(
      { x: 12, y: 6, width: 12, height: 6 },
      {
        title: "Lead time and time to restore per day (median, hours)",
        view: "timeSeries",
        period: DAY_SECONDS,
        metrics: [
          [{ expression: "leadTime / 3600", label: "Lead time (h)", id: "leadTimeHours" }],
          [{ expression: "restore / 3600", label: "Time to restore (h)", id: "restoreHours" }],
          dora("LeadTimeForChanges", { id: "leadTime", stat: "p50", visible: false }),
          dora("TimeToRestore", { id: "restore", stat: "p50", visible: false }),
        ],
      },
    ),
    metricWidget(
      { x: 0, y: 12, width: 8, height: 6 },
      {
        title: `Requests (${alias})`,
        view: "timeSeries",
        period: 60,
        stat: "Sum",
        metrics: [
          lambda("Invocations", { label: "Invocations" }),
          lambda("UrlRequestCount", { label: "Function URL requests" }),
        ],
      },
    ),
    metricWidget(
      { x: 8, y: 12, width: 8, height: 6 },
      {
        title: `Errors (${alias})`,
        view: "timeSeries",
        period: 60,
        stat: "Sum",
        metrics: [
          lambda("Errors", { label: "Function errors" }),
          lambda("Url5xxCount", { label: "Function URL 5xx" }),
          lambda("Url4xxCount", { label: "Function URL 4xx" }),
        ],
      },
    ),
    metricWidget(
      { x: 16, y: 12, width: 8, height: 6 },
      {
        title: `Duration (${alias}, ms)`,
        view: "timeSeries",
        period: 60,
        metrics: [
          lambda("Duration", { stat: "p50", label: "p50" }),
          lambda("Duration", { stat: "p99", label: "p99" }),
        ],
      },
    ),
    metricWidget(
      { x: 0, y: 18, width: 8, height: 6 },
      {
        title: `Throttles (${alias})`,
        view: "timeSeries",
        period: 60,
        stat: "Sum",
        metrics: [lambda("Throttles", { label: "Throttles" })],
      },
    ),
    metricWidget(
      { x: 8, y: 18, width: 8, height: 6 },
      {
        title: `Concurrent executions (${alias})`,
        view: "timeSeries",
        period: 60,
        stat: "Maximum",
        metrics: [lambda("ConcurrentExecutions", { label: "Concurrent executions" })],
      },
    ),
    {
      type: "alarm",
      x: 16,
      y: 18,
      width: 8,
      height: 6,
      properties: {
        title: "Alarm states",
        alarms: props.alarmNames.map(
          (name) => `arn:aws:cloudwatch:${props.region}:${props.accountId}:alarm:${name}`,
        ),
      },
    },
  ];
  return { start: props.start ?? "-P30D", widgets };
}

/**
 * A CloudWatch dashboard per stage: the four DORA metrics from the recorder's EMF namespace next
 * to the service's health and alarm states.
 */
export class DoraDashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: DoraDashboardProps) {
    super(scope, id);
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.dashboardName,
      dashboardBody: JSON.stringify(doraDashboardBody(props)),
    });
  }
}
