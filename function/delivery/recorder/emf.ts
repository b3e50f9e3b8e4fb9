/**
 * CloudWatch Embedded Metric Format: one JSON log line that CloudWatch Logs turns into metrics,
 * so the recorder needs no `cloudwatch:PutMetricData` permission and no extra API call.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

export type MetricUnit = "Count" | "Seconds";

export interface MetricValue {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly value: number;
}

/** The EMF document for `metrics`, all under one namespace and the `Stage` dimension. */
export function emfDocument(options: {
  readonly namespace: string;
  readonly stage: string;
  readonly timestamp: number;
  readonly metrics: readonly MetricValue[];
}): Record<string, unknown> {
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: options.timestamp,
      CloudWatchMetrics: [
        {
          Namespace: options.namespace,
          Dimensions: [["Stage"]],
          Metrics: options.metrics.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
        },
      ],
    },
    Stage: options.stage,
  };
  for (const metric of options.metrics) document[metric.name] = metric.value;
  return document;
}
