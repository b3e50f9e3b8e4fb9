/**
 * Renders computed metrics: a plain-text table for terminals, a Markdown table for GitHub job
 * summaries, and a JSON object for machines. Pure string building.
 */
import type { DoraMetrics, MetricResult } from "@agnostic-lambda-core/delivery-records/metrics";
import { formatTimestamp } from "@agnostic-lambda-core/delivery-records/time";

/** What the report read, for the reader to judge how complete the numbers are. */
export interface InputSummary {
  readonly records: number;
  readonly skipped: number;
  readonly duplicates: number;
}

interface Row {
  readonly metric: string;
  readonly value: string;
  readonly band: string;
  readonly sample: string;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function number(value: number, digits: number): string {
  return Number(value.toFixed(digits)).toString();
}

function rows(metrics: DoraMetrics): Row[] {
  const show = (result: MetricResult, render: (value: number) => string) =>
    result.value === null ? "no data" : render(result.value);
  const frequency = metrics.deploymentFrequencyPerDay;
  const lead = metrics.leadTimeForChangesHours;
  const failure = metrics.changeFailureRate;
  const restore = metrics.timeToRestoreHours;
  return [
    {
      metric: "Deployment frequency",
      value: show(frequency, (v) => `${number(v, 2)} per day`),
      band: frequency.band ?? "-",
      sample: plural(frequency.count, "succeeded deployment"),
    },
    {
      metric: "Lead time for changes",
      value: show(lead, (v) => `${number(v, 2)} h (median)`),
      band: lead.band ?? "-",
      sample: `${plural(lead.count, "deployment")} with a commit time`,
    },
    {
      metric: "Change failure rate",
      value: show(failure, (v) => `${number(v * 100, 1)} %`),
      band: failure.band ?? "-",
      sample: `${failure.failures} of ${plural(failure.count, "deployment")}`,
    },
    {
      metric: "Time to restore",
      value: show(restore, (v) => `${number(v, 2)} h (median)`),
      band: restore.band ?? "-",
      sample: plural(restore.count, "resolved incident"),
    },
  ];
}

const HEADERS: Row = { metric: "Metric", value: "Value", band: "Band", sample: "Sample size" };

function heading(metrics: DoraMetrics): string {
  const { stage, since, until } = metrics.window;
  return `DORA metrics for stage "${stage}", ${formatTimestamp(since)} to ${formatTimestamp(until)} (${number(metrics.windowDays, 2)} days, end exclusive)`;
}

function openIncidentLines(metrics: DoraMetrics): string[] {
  return metrics.openIncidents.map(
    (incident) =>
      `${incident.alarm} since ${formatTimestamp(incident.openedAt)} (${number(incident.openHours, 2)} h at window end${
        incident.resolvedAt === null ? "" : `, resolved ${formatTimestamp(incident.resolvedAt)}`
      })`,
  );
}

function inputLine(input: InputSummary): string {
  return `Read ${input.records} records (${input.skipped} skipped as malformed or conflicting, ${input.duplicates} duplicates merged).`;
}

/** A fixed-width table for a terminal. */
export function renderTable(metrics: DoraMetrics, input: InputSummary): string {
  const all = [HEADERS, ...rows(metrics)];
  const width = (key: keyof Row) => Math.max(...all.map((row) => row[key].length));
  const widths = { metric: width("metric"), value: width("value"), band: width("band") };
  const line = (row: Row) =>
    `${row.metric.padEnd(widths.metric)}  ${row.value.padEnd(widths.value)}  ${row.band.padEnd(widths.band)}  ${row.sample}`.trimEnd();
  const open = openIncidentLines(metrics);
  return [
    heading(metrics),
    "",
    line(HEADERS),
    line({
      metric: "-".repeat(widths.metric),
      value: "-".repeat(widths.value),
      band: "-".repeat(widths.band),
      sample: "-".repeat(HEADERS.sample.length),
    }),
    ...rows(metrics).map(line),
    "",
    open.length === 0 ? "Open incidents: none" : `Open incidents (${open.length}):`,
    ...open.map((text) => `  - ${text}`),
    inputLine(input),
    "",
  ].join("\n");
}

/** A Markdown table, for `$GITHUB_STEP_SUMMARY`. */
export function renderMarkdown(metrics: DoraMetrics, input: InputSummary): string {
  const escapePipes = (text: string) => text.replaceAll("|", "\\|");
  const open = openIncidentLines(metrics);
  return [
    `### ${escapePipes(heading(metrics))}`,
    "",
    "| Metric | Value | Band | Sample size |",
    "| --- | --- | --- | --- |",
    ...rows(metrics).map(
      (row) =>
        `| ${escapePipes(row.metric)} | ${escapePipes(row.value)} | ${escapePipes(row.band)} | ${escapePipes(row.sample)} |`,
    ),
    "",
    open.length === 0 ? "Open incidents: none." : `Open incidents (${open.length}):`,
    ...open.map((text) => `- ${escapePipes(text)}`),
    "",
    inputLine(input),
    "",
  ].join("\n");
}

/** The `--json` object. Values keep full precision; timestamps are ISO-8601 UTC. */
export function toJsonReport(metrics: DoraMetrics, input: InputSummary) {
  return {
    stage: metrics.window.stage,
    since: formatTimestamp(metrics.window.since),
    until: formatTimestamp(metrics.window.until),
    windowDays: metrics.windowDays,
    deploymentFrequencyPerDay: metrics.deploymentFrequencyPerDay,
    leadTimeForChangesHours: metrics.leadTimeForChangesHours,
    changeFailureRate: metrics.changeFailureRate,
    timeToRestoreHours: metrics.timeToRestoreHours,
    openIncidents: metrics.openIncidents.map((incident) => ({
      alarm: incident.alarm,
      openedAt: formatTimestamp(incident.openedAt),
      resolvedAt: incident.resolvedAt === null ? null : formatTimestamp(incident.resolvedAt),
      openHours: incident.openHours,
    })),
    input,
  };
}
