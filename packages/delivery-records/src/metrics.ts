/**
 * The four DORA metrics over one stage and one window `[since, until)`, computed from validated
 * records. Pure: no clock, no I/O. Definitions (also in docs/dora.md):
 *
 * - deployment frequency: succeeded deployments with `finishedAt` in the window, per day of the
 *   window; `null` when no deployment of any status finished in the window (no data), so a window
 *   with only failed deployments reads 0/day, not "no data".
 * - lead time for changes: median of `finishedAt - committedAt` (hours) over succeeded deployments
 *   finished in the window that carry a commit time.
 * - change failure rate: deployments finished in the window that failed, were rolled back, or were
 *   followed by an incident on the same stage opened after the deployment finished and before the
 *   next deployment (of any status, on that stage, inside or after the window) started; divided by
 *   all deployments finished in the window.
 * - time to restore: median of `resolvedAt - openedAt` (hours) over incidents resolved in the
 *   window, whenever they opened. Incidents still open at `until` are listed separately.
 *
 * The median of an even count is the mean of the two middle values.
 */
import { type Band, bandOf } from "./bands.js";
import type { Deployment, DoraRecord, Incident } from "./records.js";
import { MILLISECONDS_PER_DAY, MILLISECONDS_PER_HOUR } from "./time.js";

export interface ReportWindow {
  readonly stage: string;
  /** Inclusive start, epoch milliseconds. */
  readonly since: number;
  /** Exclusive end, epoch milliseconds. */
  readonly until: number;
}

export interface MetricResult {
  /** `null` when the window holds nothing to measure. */
  readonly value: number | null;
  readonly band: Band | null;
  /** How many records the value was computed from. */
  readonly count: number;
}

export interface ChangeFailureRateResult extends MetricResult {
  /** Deployments counted as failed changes (the numerator; `count` is the denominator). */
  readonly failures: number;
}

export interface OpenIncident {
  readonly alarm: string;
  readonly openedAt: number;
  /** Set when the incident was resolved after the window ended. */
  readonly resolvedAt: number | null;
  /** Hours it had been open at the end of the window. */
  readonly openHours: number;
}

export interface DoraMetrics {
  readonly window: ReportWindow;
  readonly windowDays: number;
  readonly deploymentFrequencyPerDay: MetricResult;
  readonly leadTimeForChangesHours: MetricResult;
  readonly changeFailureRate: ChangeFailureRateResult;
  readonly timeToRestoreHours: MetricResult;
  /** Incidents opened before `until` and not resolved before it, oldest first. */
  readonly openIncidents: readonly OpenIncident[];
}

/** Median of a non-empty list; `null` for an empty one. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

const inWindow = (time: number, window: ReportWindow) =>
  time >= window.since && time < window.until;

/** Checks a window before use; throws with what is wrong. */
export function validateWindow(window: ReportWindow): ReportWindow {
  if (!Number.isFinite(window.since) || !Number.isFinite(window.until)) {
    throw new Error("the window needs finite since and until times");
  }
  if (window.since >= window.until) {
    throw new Error("the window is empty: since must be before until");
  }
  return window;
}

/** Computes the four metrics for `window.stage` over `[window.since, window.until)`. */
export function computeMetrics(records: readonly DoraRecord[], window: ReportWindow): DoraMetrics {
  validateWindow(window);
  const stageDeployments = records
    .filter((record): record is Deployment => record.type === "deployment")
    .filter((deployment) => deployment.stage === window.stage)
    .sort((a, b) => a.startedAt - b.startedAt || a.deploymentId.localeCompare(b.deploymentId));
  const stageIncidents = records
    .filter((record): record is Incident => record.type === "incident")
    .filter((incident) => incident.stage === window.stage);

  const windowDays = (window.until - window.since) / MILLISECONDS_PER_DAY;
  const finished = stageDeployments.filter((d) => inWindow(d.finishedAt, window));
  const succeeded = finished.filter((d) => d.status === "succeeded");

  const frequency = finished.length === 0 ? null : succeeded.length / windowDays;

  const leadTimes = succeeded
    .filter((d) => d.committedAt !== null)
    .map((d) => (d.finishedAt - (d.committedAt as number)) / MILLISECONDS_PER_HOUR);
  const leadTime = median(leadTimes);

  const failures = finished.filter((deployment) => {
    if (deployment.status !== "succeeded") return true;
    const next = stageDeployments.find((other) => other.startedAt > deployment.startedAt);
    const nextStart = next?.startedAt ?? Number.POSITIVE_INFINITY;
    return stageIncidents.some(
      (incident) => incident.openedAt > deployment.finishedAt && incident.openedAt < nextStart,
    );
  }).length;
  const failureRate = finished.length === 0 ? null : failures / finished.length;

  const restoreTimes = stageIncidents
    .filter((incident) => incident.resolvedAt !== null && inWindow(incident.resolvedAt, window))
    .map(
      (incident) => ((incident.resolvedAt as number) - incident.openedAt) / MILLISECONDS_PER_HOUR,
    );
  const restore = median(restoreTimes);

  const openIncidents = stageIncidents
    .filter(
      (incident) =>
        incident.openedAt < window.until &&
        (incident.resolvedAt === null || incident.resolvedAt >= window.until),
    )
    .sort((a, b) => a.openedAt - b.openedAt)
    .map((incident) => ({
      alarm: incident.alarm,
      openedAt: incident.openedAt,
      resolvedAt: incident.resolvedAt,
      openHours: (window.until - incident.openedAt) / MILLISECONDS_PER_HOUR,
    }));

  return {
    window,
    windowDays,
    deploymentFrequencyPerDay: {
      value: frequency,
      band: bandOf("deploymentFrequencyPerDay", frequency),
      count: succeeded.length,
    },
    leadTimeForChangesHours: {
      value: leadTime,
      band: bandOf("leadTimeForChangesHours", leadTime),
      count: leadTimes.length,
    },
    changeFailureRate: {
      value: failureRate,
      band: bandOf("changeFailureRate", failureRate),
      count: finished.length,
      failures,
    },
    timeToRestoreHours: {
      value: restore,
      band: bandOf("timeToRestoreHours", restore),
      count: restoreTimes.length,
    },
    openIncidents,
  };
}

/** The newest instant any record of `stage` mentions, or `null` when the stage has no records. */
export function newestRecordTime(records: readonly DoraRecord[], stage: string): number | null {
  let newest: number | null = null;
  for (const record of records) {
    if (record.stage !== stage) continue;
    const time =
      record.type === "deployment" ? record.finishedAt : (record.resolvedAt ?? record.openedAt);
    if (newest === null || time > newest) newest = time;
  }
  return newest;
}

export const DEFAULT_WINDOW_DAYS = 30;

/**
 * The default window: the last 30 days up to and including the newest record of the stage
 * (`until` is one millisecond after it, since `until` is exclusive). With no records it ends at
 * `now`. A `since` given without `until` at or after that end starts a window with no records
 * yet: it spans 30 days from `since` (its metrics are `null`), it is not an error.
 */
export function defaultWindow(
  records: readonly DoraRecord[],
  options: {
    readonly stage: string;
    readonly since?: number;
    readonly until?: number;
    readonly now: number;
  },
): ReportWindow {
  const newest = newestRecordTime(records, options.stage);
  const newestEnd = newest === null ? options.now : newest + 1;
  const until =
    options.until ??
    (options.since !== undefined && options.since >= newestEnd
      ? options.since + DEFAULT_WINDOW_DAYS * MILLISECONDS_PER_DAY
      : newestEnd);
  const since = options.since ?? until - DEFAULT_WINDOW_DAYS * MILLISECONDS_PER_DAY;
  return validateWindow({ stage: options.stage, since, until });
}
