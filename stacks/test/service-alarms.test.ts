import { describe, expect, it } from "vitest";
import { type AlarmThresholds, serviceAlarmDefinitions } from "../constructs/service-alarms";

function makeThresholds(overrides: Partial<AlarmThresholds> = {}): AlarmThresholds {
  return {
    errorsPerMinute: 2,
    throttlesPerMinute: 3,
    p99DurationMs: 1500,
    url5xxPerMinute: 4,
    concurrencyUtilization: 0.8,
    accountConcurrencyLimit: 1000,
    evaluationPeriods: 2,
    ...overrides,
  };
}

function definition(key: string, reservedConcurrency?: number, thresholds = makeThresholds()) {
  const found = serviceAlarmDefinitions(thresholds, reservedConcurrency).find(
    (alarm) => alarm.key === key,
  );
  if (!found) throw new Error(`no ${key} alarm`);
  return found;
}

describe("serviceAlarmDefinitions", () => {
  it("defines the five alarms the service needs", () => {
    const keys = serviceAlarmDefinitions(makeThresholds(), undefined).map((alarm) => alarm.key);

    expect(keys).toEqual(["errors", "throttles", "p99-duration", "url-5xx", "concurrency"]);
  });

  it.each([
    ["errors", "Errors", 2],
    ["throttles", "Throttles", 3],
    ["url-5xx", "Url5xxCount", 4],
  ])(
    "sums %s per minute against its threshold, no data counting as healthy",
    (key, metric, threshold) => {
      expect(definition(key)).toMatchObject({
        metricName: metric,
        statistic: "Sum",
        threshold,
        treatMissingData: "notBreaching",
      });
    },
  );

  it("judges latency by p99 and keeps its state when there is no traffic", () => {
    expect(definition("p99-duration")).toMatchObject({
      metricName: "Duration",
      extendedStatistic: "p99",
      threshold: 1500,
      treatMissingData: "ignore",
    });
    expect(definition("p99-duration").statistic).toBeUndefined();
  });

  it("measures concurrency against the reserved concurrency when there is one", () => {
    const alarm = definition("concurrency", 50);

    expect(alarm).toMatchObject({
      metricName: "ConcurrentExecutions",
      statistic: "Maximum",
      threshold: 40,
      scope: "alias",
    });
    expect(alarm.description).toContain("reserved concurrency (50)");
  });

  it("measures concurrency against the account limit when nothing is reserved", () => {
    const alarm = definition(
      "concurrency",
      undefined,
      makeThresholds({ accountConcurrencyLimit: 200 }),
    );

    expect(alarm.threshold).toBe(160);
    // The account's pool is shared by every function: the account-wide metric is what nears it.
    expect(alarm.scope).toBe("account");
    expect(alarm.description).toContain("all functions in the account");
    expect(alarm.description).toContain("account limit (200)");
  });

  it("never sets a concurrency threshold of zero", () => {
    const alarm = definition("concurrency", 1, makeThresholds({ concurrencyUtilization: 0.5 }));

    expect(alarm.threshold).toBe(1);
  });

  it("states each alarm's threshold in its description", () => {
    for (const alarm of serviceAlarmDefinitions(makeThresholds(), 10)) {
      expect(alarm.description, alarm.key).toContain(String(alarm.threshold));
    }
  });
});
