import { describe, expect, it } from "vitest";
import { type BandedMetric, bandOf } from "../src/bands.js";

const HOUR = 1;
const DAY = 24 * HOUR;

describe("bandOf", () => {
  it.each<[BandedMetric, number, string]>([
    ["deploymentFrequencyPerDay", 3, "elite"],
    ["deploymentFrequencyPerDay", 1, "elite"],
    ["deploymentFrequencyPerDay", 0.999, "high"],
    ["deploymentFrequencyPerDay", 1 / 7, "high"],
    ["deploymentFrequencyPerDay", 1 / 7 - 1e-9, "medium"],
    ["deploymentFrequencyPerDay", 1 / 30, "medium"],
    ["deploymentFrequencyPerDay", 1 / 30 - 1e-9, "low"],
    ["deploymentFrequencyPerDay", 0, "low"],
    ["leadTimeForChangesHours", 0, "elite"],
    ["leadTimeForChangesHours", DAY - 0.01, "elite"],
    ["leadTimeForChangesHours", DAY, "high"],
    ["leadTimeForChangesHours", 7 * DAY - 0.01, "high"],
    ["leadTimeForChangesHours", 7 * DAY, "medium"],
    ["leadTimeForChangesHours", 30 * DAY - 0.01, "medium"],
    ["leadTimeForChangesHours", 30 * DAY, "low"],
    ["changeFailureRate", 0, "elite"],
    ["changeFailureRate", 0.05, "elite"],
    ["changeFailureRate", 0.0501, "high"],
    ["changeFailureRate", 0.1, "high"],
    ["changeFailureRate", 0.1001, "medium"],
    ["changeFailureRate", 0.15, "medium"],
    ["changeFailureRate", 0.1501, "low"],
    ["changeFailureRate", 1, "low"],
    ["timeToRestoreHours", 0.99, "elite"],
    ["timeToRestoreHours", HOUR, "high"],
    ["timeToRestoreHours", DAY - 0.01, "high"],
    ["timeToRestoreHours", DAY, "medium"],
    ["timeToRestoreHours", 7 * DAY - 0.01, "medium"],
    ["timeToRestoreHours", 7 * DAY, "low"],
  ])("puts %s = %d in the %s band", (metric, value, band) => {
    expect(bandOf(metric, value)).toBe(band);
  });

  it.each<BandedMetric>([
    "deploymentFrequencyPerDay",
    "leadTimeForChangesHours",
    "changeFailureRate",
    "timeToRestoreHours",
  ])("gives no band to %s without a value", (metric) => {
    expect(bandOf(metric, null)).toBeNull();
  });
});
