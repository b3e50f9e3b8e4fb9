import {
  computeMetrics,
  defaultWindow,
  median,
} from "@agnostic-lambda-core/delivery-records/metrics";
import type { DoraRecord } from "@agnostic-lambda-core/delivery-records/records";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { at, makeDeployment, makeIncident } from "./support/records.js";

// A ten-day window, [2026-03-01, 2026-03-11), with every rule exercised once. Expected values
// are worked out by hand in the comments.
const window = {
  stage: "prod",
  since: at("2026-03-01T00:00:00Z"),
  until: at("2026-03-11T00:00:00Z"),
};

const deploy = {
  // Finished before the window: ignored.
  g: makeDeployment({
    deploymentId: "d-G",
    startedAt: at("2026-02-27T09:50:00Z"),
    finishedAt: at("2026-02-27T10:00:00Z"),
  }),
  // Lead 2 h, no incident before B starts: a good change.
  a: makeDeployment({
    deploymentId: "d-A",
    committedAt: at("2026-03-01T08:00:00Z"),
    startedAt: at("2026-03-01T09:00:00Z"),
    finishedAt: at("2026-03-01T10:00:00Z"),
  }),
  // Lead 36 h, followed by incident I1 before C starts: a failed change.
  b: makeDeployment({
    deploymentId: "d-B",
    committedAt: at("2026-03-02T00:00:00Z"),
    startedAt: at("2026-03-03T11:30:00Z"),
    finishedAt: at("2026-03-03T12:00:00Z"),
  }),
  c: makeDeployment({
    deploymentId: "d-C",
    startedAt: at("2026-03-05T09:00:00Z"),
    finishedAt: at("2026-03-05T09:10:00Z"),
    status: "failed",
  }),
  // Written in +02:00: committed 08:00Z, finished 10:20Z, lead 2 h 20 min = 2.3333 h.
  d: makeDeployment({
    deploymentId: "d-D",
    committedAt: at("2026-03-06T10:00:00+02:00"),
    startedAt: at("2026-03-06T12:00:00+02:00"),
    finishedAt: at("2026-03-06T12:20:00+02:00"),
  }),
  e: makeDeployment({
    deploymentId: "d-E",
    startedAt: at("2026-03-08T09:50:00Z"),
    finishedAt: at("2026-03-08T10:00:00Z"),
    status: "rolled_back",
  }),
  // Lead 24 h, followed by incident I2 before H starts: a failed change.
  f: makeDeployment({
    deploymentId: "d-F",
    committedAt: at("2026-03-09T00:00:00Z"),
    startedAt: at("2026-03-09T23:50:00Z"),
    finishedAt: at("2026-03-10T00:00:00Z"),
  }),
  // Finishes exactly at `until`: outside the half-open window.
  h: makeDeployment({
    deploymentId: "d-H",
    startedAt: at("2026-03-10T23:50:00Z"),
    finishedAt: at("2026-03-11T00:00:00Z"),
  }),
  otherStage: makeDeployment({
    stage: "test",
    deploymentId: "d-T",
    finishedAt: at("2026-03-04T00:00:00Z"),
    status: "failed",
  }),
};

const incident = {
  // Opened before the window, resolved inside it: 4 h, counted.
  i0: makeIncident({
    alarm: "x-errors",
    openedAt: at("2026-02-28T22:00:00Z"),
    resolvedAt: at("2026-03-01T02:00:00Z"),
  }),
  // 0.5 h, after B.
  i1: makeIncident({
    alarm: "x-errors",
    openedAt: at("2026-03-03T13:00:00Z"),
    resolvedAt: at("2026-03-03T13:30:00Z"),
  }),
  // 6 h, after the failed C (C already counts once).
  i4: makeIncident({
    alarm: "x-p99",
    openedAt: at("2026-03-05T12:00:00Z"),
    resolvedAt: at("2026-03-05T18:00:00Z"),
  }),
  // Opened inside, resolved after the window: not a restore of this window, open at its end (4 h).
  i2: makeIncident({
    alarm: "x-url-5xx",
    openedAt: at("2026-03-10T20:00:00Z"),
    resolvedAt: at("2026-03-11T01:00:00Z"),
  }),
  otherStage: makeIncident({
    stage: "test",
    alarm: "t-errors",
    openedAt: at("2026-03-01T10:30:00Z"),
    resolvedAt: at("2026-03-01T11:30:00Z"),
  }),
};

const allRecords: DoraRecord[] = [...Object.values(deploy), ...Object.values(incident)];

describe("computeMetrics over a hand-computed window", () => {
  const metrics = computeMetrics(allRecords, window);

  it("counts succeeded deployments finished in the window per day: 4 / 10 days", () => {
    expect(metrics.deploymentFrequencyPerDay).toEqual({ value: 0.4, band: "high", count: 4 });
  });

  it("takes the median lead time of succeeded deployments: (2.3333 + 24) / 2 h", () => {
    expect(metrics.leadTimeForChangesHours.count).toBe(4);
    expect(metrics.leadTimeForChangesHours.value).toBeCloseTo((2 + 20 / 60 + 24) / 2, 10);
    expect(metrics.leadTimeForChangesHours.band).toBe("elite");
  });

  it("counts failed, rolled back and incident-followed deployments: 4 of 6", () => {
    expect(metrics.changeFailureRate).toEqual({ value: 4 / 6, band: "low", count: 6, failures: 4 });
  });

  it("takes the median restore time of incidents resolved in the window: 0.5, 4, 6 h", () => {
    expect(metrics.timeToRestoreHours).toEqual({ value: 4, band: "high", count: 3 });
  });

  it("lists the incident still open at the window's end separately", () => {
    expect(metrics.openIncidents).toEqual([
      {
        alarm: "x-url-5xx",
        openedAt: incident.i2.openedAt,
        resolvedAt: incident.i2.resolvedAt,
        openHours: 4,
      },
    ]);
  });

  it("gives the same numbers whatever the order of the records", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(allRecords, { minLength: allRecords.length }), (shuffled) => {
        expect(computeMetrics(shuffled, window)).toEqual(metrics);
      }),
      { numRuns: 200 },
    );
  });
});

describe("computeMetrics on thin windows", () => {
  it("gives null, not zero or NaN, for every metric of an empty window", () => {
    const metrics = computeMetrics(allRecords, {
      stage: "prod",
      since: at("2025-01-01T00:00:00Z"),
      until: at("2025-02-01T00:00:00Z"),
    });
    expect(metrics.deploymentFrequencyPerDay).toEqual({ value: null, band: null, count: 0 });
    expect(metrics.leadTimeForChangesHours).toEqual({ value: null, band: null, count: 0 });
    expect(metrics.changeFailureRate).toEqual({ value: null, band: null, count: 0, failures: 0 });
    expect(metrics.timeToRestoreHours).toEqual({ value: null, band: null, count: 0 });
    expect(metrics.openIncidents).toEqual([]);
  });

  it("measures a window holding one succeeded deployment", () => {
    const only = makeDeployment({
      committedAt: at("2026-04-01T00:00:00Z"),
      finishedAt: at("2026-04-01T05:00:00Z"),
    });
    const metrics = computeMetrics([only], {
      stage: "prod",
      since: at("2026-03-15T00:00:00Z"),
      until: at("2026-04-14T00:00:00Z"),
    });
    expect(metrics.deploymentFrequencyPerDay).toEqual({ value: 1 / 30, band: "medium", count: 1 });
    expect(metrics.leadTimeForChangesHours).toEqual({ value: 5, band: "elite", count: 1 });
    expect(metrics.changeFailureRate).toEqual({ value: 0, band: "elite", count: 1, failures: 0 });
    expect(metrics.timeToRestoreHours.value).toBeNull();
  });

  it("measures a window holding one resolved incident and no deployment", () => {
    const only = makeIncident({
      openedAt: at("2026-04-01T00:00:00Z"),
      resolvedAt: at("2026-04-01T00:45:00Z"),
    });
    const metrics = computeMetrics([only], {
      stage: "prod",
      since: at("2026-04-01T00:00:00Z"),
      until: at("2026-04-02T00:00:00Z"),
    });
    expect(metrics.timeToRestoreHours).toEqual({ value: 0.75, band: "elite", count: 1 });
    expect(metrics.deploymentFrequencyPerDay.value).toBeNull();
  });

  it("reads zero per day, not null, when deployments finished but none succeeded", () => {
    const failed = makeDeployment({ finishedAt: at("2026-04-01T05:00:00Z"), status: "failed" });
    const metrics = computeMetrics([failed], {
      stage: "prod",
      since: at("2026-04-01T00:00:00Z"),
      until: at("2026-04-02T00:00:00Z"),
    });
    expect(metrics.deploymentFrequencyPerDay).toEqual({ value: 0, band: "low", count: 0 });
    expect(metrics.leadTimeForChangesHours.value).toBeNull();
    expect(metrics.changeFailureRate).toEqual({ value: 1, band: "low", count: 1, failures: 1 });
  });

  it("leaves deployments without a commit time out of the lead time only", () => {
    const withoutCommit = makeDeployment({
      finishedAt: at("2026-04-01T05:00:00Z"),
      commit: null,
      committedAt: null,
    });
    const metrics = computeMetrics([withoutCommit], {
      stage: "prod",
      since: at("2026-04-01T00:00:00Z"),
      until: at("2026-04-02T00:00:00Z"),
    });
    expect(metrics.deploymentFrequencyPerDay.count).toBe(1);
    expect(metrics.leadTimeForChangesHours).toEqual({ value: null, band: null, count: 0 });
  });

  it("includes since and excludes until", () => {
    const atSince = makeDeployment({ finishedAt: at("2026-04-01T00:00:00Z") });
    const atUntil = makeDeployment({ finishedAt: at("2026-04-02T00:00:00Z") });
    const metrics = computeMetrics([atSince, atUntil], {
      stage: "prod",
      since: at("2026-04-01T00:00:00Z"),
      until: at("2026-04-02T00:00:00Z"),
    });
    expect(metrics.deploymentFrequencyPerDay.count).toBe(1);
  });
});

describe("change failure rate: which incidents follow a deployment", () => {
  const day = {
    stage: "prod",
    since: at("2026-04-01T00:00:00Z"),
    until: at("2026-04-03T00:00:00Z"),
  };
  const first = makeDeployment({
    startedAt: at("2026-04-01T09:50:00Z"),
    finishedAt: at("2026-04-01T10:00:00Z"),
  });
  const next = makeDeployment({
    startedAt: at("2026-04-01T15:00:00Z"),
    finishedAt: at("2026-04-01T15:10:00Z"),
  });
  const failuresWith = (...records: DoraRecord[]) =>
    computeMetrics([first, next, ...records], day).changeFailureRate.failures;

  it("counts an incident opened between the deployment's end and the next start", () => {
    expect(failuresWith(makeIncident({ openedAt: at("2026-04-01T12:00:00Z") }))).toBe(1);
  });

  it("does not count an incident opened exactly when the deployment finished", () => {
    expect(failuresWith(makeIncident({ openedAt: first.finishedAt }))).toBe(0);
  });

  it("does not count an incident opened exactly when the next deployment started", () => {
    expect(failuresWith(makeIncident({ openedAt: next.startedAt }))).toBe(0);
  });

  it("does not count an incident on another stage", () => {
    expect(
      failuresWith(makeIncident({ stage: "test", openedAt: at("2026-04-01T12:00:00Z") })),
    ).toBe(0);
  });

  it("counts an incident after the last deployment, even after the window", () => {
    expect(failuresWith(makeIncident({ openedAt: at("2026-04-05T00:00:00Z") }))).toBe(1);
  });

  it("counts a deployment once however many incidents follow it", () => {
    expect(
      failuresWith(
        makeIncident({ alarm: "a", openedAt: at("2026-04-01T11:00:00Z") }),
        makeIncident({ alarm: "b", openedAt: at("2026-04-01T12:00:00Z") }),
      ),
    ).toBe(1);
  });
});

describe("median", () => {
  it.each([
    [[], null],
    [[5], 5],
    [[9, 1, 5], 5],
    [[4, 1, 3, 2], 2.5],
  ])("of %j is %s", (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe("defaultWindow", () => {
  const now = at("2026-06-01T00:00:00Z");

  it("covers the 30 days up to and including the stage's newest record", () => {
    const window = defaultWindow(allRecords, { stage: "prod", now });
    // The newest prod time is I2's resolution, 2026-03-11T01:00Z.
    expect(window).toEqual({
      stage: "prod",
      since: at("2026-02-09T01:00:00.001Z"),
      until: at("2026-03-11T01:00:00.001Z"),
    });
  });

  it("ends at now when the stage has no records", () => {
    expect(defaultWindow([], { stage: "dev", now })).toEqual({
      stage: "dev",
      since: now - 30 * 86_400_000,
      until: now,
    });
  });

  it("counts 30 days back from an explicit until", () => {
    expect(
      defaultWindow(allRecords, { stage: "prod", until: at("2026-03-31T00:00:00Z"), now }).since,
    ).toBe(at("2026-03-01T00:00:00Z"));
  });

  it("runs 30 days from a since that lies after the newest record, with null metrics", () => {
    const since = at("2027-01-01T00:00:00Z");

    const window = defaultWindow(allRecords, { stage: "prod", since, now });
    const metrics = computeMetrics(allRecords, window);

    expect(window).toEqual({ stage: "prod", since, until: since + 30 * 86_400_000 });
    expect(metrics.deploymentFrequencyPerDay.value).toBeNull();
    expect(metrics.leadTimeForChangesHours.value).toBeNull();
    expect(metrics.changeFailureRate.value).toBeNull();
    expect(metrics.timeToRestoreHours.value).toBeNull();
  });

  it("rejects a since that is not before until", () => {
    expect(() =>
      defaultWindow(allRecords, {
        stage: "prod",
        since: at("2026-04-01T00:00:00Z"),
        until: at("2026-04-01T00:00:00Z"),
        now,
      }),
    ).toThrow("since must be before until");
  });
});
