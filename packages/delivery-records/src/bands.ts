/**
 * Performance bands for the four DORA metrics, derived from the software delivery performance
 * clusters of the 2023 Accelerate State of DevOps Report (DORA / Google Cloud). The report
 * describes each cluster by a range ("between once per day and once per week") or a typical value
 * (change failure rate 5% / 10% / 15% / 64%); the thresholds below turn those descriptions into
 * non-overlapping cut-offs. docs/dora.md states the source and every cut-off.
 */
import { MILLISECONDS_PER_DAY, MILLISECONDS_PER_HOUR } from "./time.js";

export const BANDS = ["elite", "high", "medium", "low"] as const;
export type Band = (typeof BANDS)[number];

const HOURS_PER_DAY = MILLISECONDS_PER_DAY / MILLISECONDS_PER_HOUR;

/**
 * The cut-offs, best band first. `higherIsBetter` metrics reach a band at `value >= limit`; the
 * others at `value < limit` (`<=` for the change failure rate, whose clusters are typical rates).
 */
export const BAND_THRESHOLDS = {
  /** Succeeded deployments per day: elite daily or more (on demand), high weekly, medium monthly. */
  deploymentFrequencyPerDay: { higherIsBetter: true, elite: 1, high: 1 / 7, medium: 1 / 30 },
  /** Hours from commit to production: elite under a day, high under a week, medium under 30 days. */
  leadTimeForChangesHours: {
    higherIsBetter: false,
    elite: HOURS_PER_DAY,
    high: 7 * HOURS_PER_DAY,
    medium: 30 * HOURS_PER_DAY,
  },
  /** Fraction of deployments that failed: elite at most 5%, high 10%, medium 15%. */
  changeFailureRate: { higherIsBetter: false, elite: 0.05, high: 0.1, medium: 0.15 },
  /** Hours to restore: elite under an hour, high under a day, medium under a week. */
  timeToRestoreHours: {
    higherIsBetter: false,
    elite: 1,
    high: HOURS_PER_DAY,
    medium: 7 * HOURS_PER_DAY,
  },
} as const;

export type BandedMetric = keyof typeof BAND_THRESHOLDS;

/** The band of a metric value; `null` when there is no value (an empty window). */
export function bandOf(metric: BandedMetric, value: number | null): Band | null {
  if (value === null) return null;
  const thresholds = BAND_THRESHOLDS[metric];
  const reaches = (limit: number): boolean => {
    if (thresholds.higherIsBetter) return value >= limit;
    return metric === "changeFailureRate" ? value <= limit : value < limit;
  };
  if (reaches(thresholds.elite)) return "elite";
  if (reaches(thresholds.high)) return "high";
  if (reaches(thresholds.medium)) return "medium";
  return "low";
}
