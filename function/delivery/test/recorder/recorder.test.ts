import { computeMetrics } from "@agnostic-lambda-core/delivery-records/metrics";
import { linesOf, parseRecords } from "@agnostic-lambda-core/delivery-records/records";
import { awsError } from "@agnostic-lambda-core/fake-aws/scripted";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../src/config.js";
import { createRecorderHandler, readRecorderSettings } from "../../recorder/handler.js";
import type { FakeDynamoDbTable } from "./fake-dynamodb.js";
import {
  deploymentInfo,
  type Harness,
  loadFixture,
  makeAlarmEvent,
  makeDeploymentEvent,
  RECORDER_ENV,
  startIdempotencyTable,
  startRecorder,
} from "./support.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function recorderAnswering(
  info: Record<string, unknown> = deploymentInfo(),
  env: Readonly<Record<string, string>> = RECORDER_ENV,
) {
  harness = await startRecorder(() => ({ body: { deploymentInfo: info } }), env);
  return harness;
}

const emf = (metrics: Record<string, number>, units: Record<string, string>) => ({
  _aws: {
    Timestamp: expect.any(Number),
    CloudWatchMetrics: [
      {
        Namespace: "AgnosticLambdaCore/DORA",
        Dimensions: [["Stage"]],
        Metrics: Object.keys(metrics).map((name) => ({ Name: name, Unit: units[name] ?? "Count" })),
      },
    ],
  },
  Stage: "prod",
  ...metrics,
});

describe("CodeDeploy deployment state changes", () => {
  it("records a succeeded deployment with the lead time from its description (real payload)", async () => {
    const recorder = await recorderAnswering();

    await recorder.handler(loadFixture("codedeploy-deployment-state-change.json"));

    expect(recorder.endpoint.requests).toEqual([
      { target: "CodeDeploy_20141006.GetDeployment", body: { deploymentId: "d-123456789" } },
    ]);
    expect(recorder.records()).toEqual([
      {
        type: "deployment",
        stage: "prod",
        deploymentId: "d-123456789",
        commit: "3f2c9e1",
        committedAt: "2016-06-30T20:00:00.000Z",
        startedAt: "2016-06-30T21:56:00.000Z",
        finishedAt: "2016-06-30T22:06:30.000Z",
        status: "succeeded",
      },
    ]);
    // 20:00:00 -> 22:06:30 is 2 h 6 min 30 s = 7590 s.
    expect(recorder.metrics()).toEqual([
      emf(
        { Deployments: 1, FailedDeployments: 0, Rollbacks: 0, LeadTimeForChanges: 7590 },
        { LeadTimeForChanges: "Seconds" },
      ),
    ]);
  });

  it("records a failed deployment that CodeDeploy rolled back", async () => {
    const recorder = await recorderAnswering(
      deploymentInfo({
        status: "Stopped",
        rollbackInfo: { rollbackDeploymentId: "d-ROLLBACK1", rollbackMessage: "Rolled back" },
      }),
    );

    await recorder.handler(makeDeploymentEvent({ state: "FAILURE" }));

    expect(recorder.records()).toMatchObject([
      { deploymentId: "d-123456789", status: "rolled_back" },
    ]);
    expect(recorder.metrics()).toEqual([
      emf({ Deployments: 1, FailedDeployments: 1, Rollbacks: 1 }, {}),
    ]);
  });

  it("records a stopped deployment without a rollback as failed", async () => {
    const recorder = await recorderAnswering(deploymentInfo({ status: "Stopped" }));

    await recorder.handler(makeDeploymentEvent({ state: "STOP" }));

    expect(recorder.records()).toMatchObject([{ status: "failed" }]);
    expect(recorder.metrics()).toEqual([
      emf({ Deployments: 1, FailedDeployments: 1, Rollbacks: 0 }, {}),
    ]);
  });

  it("does not count CodeDeploy's rollback deployment as a deployment of its own", async () => {
    const recorder = await recorderAnswering(
      deploymentInfo({
        creator: "codeDeployRollback",
        rollbackInfo: { rollbackTriggeringDeploymentId: "d-ORIGINAL1" },
      }),
    );

    await recorder.handler(makeDeploymentEvent({ state: "SUCCESS" }));

    expect(recorder.records()).toEqual([]);
    expect(recorder.diagnostics()).toMatchObject([
      {
        level: "INFO",
        message: "event ignored",
        reason: expect.stringContaining("is a rollback of d-ORIGINAL1"),
      },
    ]);
  });

  // The last three are Object.prototype's keys: a plain lookup would take them for final states.
  it.each(["START", "READY", "QUEUED", "toString", "constructor", "__proto__"])(
    "ignores the non-final state %s without asking CodeDeploy",
    async (state) => {
      const recorder = await recorderAnswering();

      await recorder.handler(makeDeploymentEvent({ state }));

      expect(recorder.endpoint.requests).toEqual([]);
      expect(recorder.records()).toEqual([]);
      expect(recorder.diagnostics()).toMatchObject([
        { reason: `state ${state} of d-123456789 is not final` },
      ]);
    },
  );

  it("ignores deployments of another CodeDeploy application", async () => {
    const recorder = await recorderAnswering();

    await recorder.handler(makeDeploymentEvent({ application: "someone-else" }));

    expect(recorder.endpoint.requests).toEqual([]);
    expect(recorder.records()).toEqual([]);
  });

  it("records a deployment without a commit in its description, leaving lead time out", async () => {
    const recorder = await recorderAnswering(deploymentInfo({ description: "hotfix by hand" }));

    await recorder.handler(makeDeploymentEvent());

    expect(recorder.records()).toMatchObject([
      { commit: null, committedAt: null, status: "succeeded" },
    ]);
    expect(recorder.metrics()).toEqual([
      emf({ Deployments: 1, FailedDeployments: 0, Rollbacks: 0 }, {}),
    ]);
    expect(recorder.diagnostics()).toMatchObject([{ message: "lead time not recorded" }]);
  });

  it("counts a redelivered event once in a warm container", async () => {
    const recorder = await recorderAnswering();
    const event = makeDeploymentEvent();

    await recorder.handler(event);
    await recorder.handler(event);
    // Another event id for the same deployment and state (EventBridge retried at the source).
    await recorder.handler(makeDeploymentEvent({ id: "another-event-id" }));

    expect(recorder.records()).toHaveLength(1);
    expect(recorder.metrics()).toHaveLength(1);
    expect(recorder.endpoint.requests).toHaveLength(1);
    expect(recorder.diagnostics().map((line) => line.message)).toEqual([
      "duplicate event ignored",
      "duplicate event ignored",
    ]);
  });

  it("throws when CodeDeploy cannot answer, so Lambda retries, and records the retry", async () => {
    let calls = 0;
    harness = await startRecorder(() => {
      calls += 1;
      return calls === 1
        ? awsError(500, "InternalFailure", "try again")
        : { body: { deploymentInfo: deploymentInfo() } };
    });
    const event = makeDeploymentEvent();

    await expect(harness.handler(event)).rejects.toMatchObject({ name: "InternalFailure" });
    await harness.handler(event);

    expect(harness.records()).toHaveLength(1);
  });
});

describe("CloudWatch alarm state changes", () => {
  it("records ALARM -> OK as a resolved incident with its time to restore (EventBridge payload)", async () => {
    const recorder = await recorderAnswering();

    await recorder.handler(loadFixture("eventbridge-alarm-state-change.json"));

    expect(recorder.records()).toEqual([
      {
        type: "incident",
        stage: "prod",
        alarm: "example-prod-errors",
        openedAt: "2026-03-14T09:13:07.204Z",
        resolvedAt: "2026-03-14T09:41:07.512Z",
      },
    ]);
    // 09:13:07.204 -> 09:41:07.512 is 28 min 0.308 s.
    expect(recorder.metrics()).toEqual([
      emf({ TimeToRestore: 1680.308 }, { TimeToRestore: "Seconds" }),
    ]);
  });

  it("reads the alarm Lambda action's timestamps with stray spaces exactly (published payload)", async () => {
    const recorder = await recorderAnswering(deploymentInfo(), {
      ...RECORDER_ENV,
      ALARM_NAME_PREFIX: "lambda-demo-",
    });

    await recorder.handler(loadFixture("cloudwatch-alarm-lambda-action.json"));

    // INSUFFICIENT_DATA -> ALARM at "2023-08-04T12: 36: 15.490+0000": an incident opens.
    expect(recorder.records()).toEqual([
      {
        type: "incident",
        stage: "prod",
        alarm: "lambda-demo-metric-alarm",
        openedAt: "2023-08-04T12:36:15.490Z",
        resolvedAt: null,
      },
    ]);
    expect(recorder.metrics()).toEqual([]);
  });

  it("measures the restore time between two spaced +0000 timestamps to the millisecond", async () => {
    const recorder = await recorderAnswering(deploymentInfo(), {
      ...RECORDER_ENV,
      ALARM_NAME_PREFIX: "lambda-demo-",
    });
    const action = loadFixture("cloudwatch-alarm-lambda-action.json");
    const alarmData = action.alarmData as Record<string, unknown>;
    const event = {
      ...action,
      alarmData: {
        ...alarmData,
        previousState: { value: "ALARM", reason: "x", timestamp: "2023-08-04T12: 31: 29.595+0000" },
        state: { value: "OK", reason: "y", timestamp: "2023-08-04T12: 36: 15.490+0000" },
      },
    };

    await recorder.handler(event);

    // 12:31:29.595 -> 12:36:15.490 is 4 min 45.895 s.
    expect(recorder.metrics()).toEqual([
      emf({ TimeToRestore: 285.895 }, { TimeToRestore: "Seconds" }),
    ]);
  });

  it.each([
    ["no offset", "2026-03-14T09:41:07.512"],
    ["words", "yesterday at noon"],
    ["a 25th hour", "2026-03-14T25:41:07.512+0000"],
    ["a number", 1773481267512],
  ])("rejects a state timestamp with %s clearly and records nothing", async (_, timestamp) => {
    const recorder = await recorderAnswering();
    const event = makeAlarmEvent();
    (event.detail as { state: Record<string, unknown> }).state.timestamp = timestamp;

    await recorder.handler(event);

    expect(recorder.records()).toEqual([]);
    expect(recorder.metrics()).toEqual([]);
    expect(recorder.diagnostics()).toMatchObject([
      { level: "WARN", reason: expect.stringContaining("detail.state.timestamp rejected") },
    ]);
  });

  it("opens an incident on OK -> ALARM and counts its redelivery once", async () => {
    const recorder = await recorderAnswering();
    const event = makeAlarmEvent({
      state: { value: "ALARM", timestamp: "2026-03-14T09:13:07.204+0000" },
      previousState: { value: "OK", timestamp: "2026-03-13T09:00:00.000+0000" },
    });

    await recorder.handler(event);
    await recorder.handler(event);

    expect(recorder.records()).toEqual([
      {
        type: "incident",
        stage: "prod",
        alarm: "example-prod-errors",
        openedAt: "2026-03-14T09:13:07.204Z",
        resolvedAt: null,
      },
    ]);
  });

  it.each([
    [
      "another stage's alarm",
      { alarmName: "example-dev-errors" },
      "alarm of another stage or service",
    ],
    [
      "a canary alarm that gates deployments",
      { alarmName: "example-prod-canary-errors" },
      "gates deployments",
    ],
    [
      "ALARM -> INSUFFICIENT_DATA",
      { state: { value: "INSUFFICIENT_DATA", timestamp: "2026-03-14T09:41:07.512+0000" } },
      "ALARM -> INSUFFICIENT_DATA opens or resolves no incident",
    ],
  ])("ignores %s", async (_, spec, reason) => {
    const recorder = await recorderAnswering();

    await recorder.handler(makeAlarmEvent(spec));

    expect(recorder.records()).toEqual([]);
    expect(recorder.diagnostics()).toMatchObject([{ reason: expect.stringContaining(reason) }]);
  });

  it("writes records the DORA report reads back into the same numbers", async () => {
    const recorder = await recorderAnswering();
    await recorder.handler(
      makeAlarmEvent({
        id: "opening-event",
        state: { value: "ALARM", timestamp: "2026-03-14T09:13:07.204+0000" },
        previousState: { value: "OK", timestamp: "2026-03-13T09:00:00.000+0000" },
      }),
    );
    await recorder.handler(loadFixture("eventbridge-alarm-state-change.json"));

    // What the report's FilterLogEvents pattern keeps: the record lines, not EMF or diagnostics.
    const recordLines = recorder.records().map((line) => JSON.stringify(line));
    const parsed = parseRecords(linesOf(recordLines.join("\n")));
    const metrics = computeMetrics(parsed.records, {
      stage: "prod",
      since: Date.parse("2026-03-14T00:00:00Z"),
      until: Date.parse("2026-03-15T00:00:00Z"),
    });

    expect(parsed.problems).toEqual([]);
    expect(parsed.records).toHaveLength(1);
    expect(metrics.timeToRestoreHours).toEqual({ value: 1680.308 / 3600, band: "elite", count: 1 });
    expect(metrics.openIncidents).toEqual([]);
  });
});

describe("events the recorder cannot use", () => {
  it.each([
    ["null", null],
    ["an array", []],
    ["a string", "hello"],
    ["an empty object", {}],
    [
      "a CodeDeploy event without detail",
      {
        source: "aws.codedeploy",
        "detail-type": "CodeDeploy Deployment State-change Notification",
      },
    ],
    [
      "a CodeDeploy event without a deployment id",
      { ...makeDeploymentEvent(), detail: { application: "myApplication", state: "SUCCESS" } },
    ],
    [
      "an alarm event without state",
      { ...makeAlarmEvent(), detail: { alarmName: "example-prod-errors" } },
    ],
    [
      "an S3 event",
      { source: "aws.s3", "detail-type": "Object Created", detail: { secret: "do-not-log-me" } },
    ],
  ])("logs a short reason for %s and returns", async (_, event) => {
    const recorder = await recorderAnswering();

    await expect(recorder.handler(event)).resolves.toBeUndefined();

    expect(recorder.records()).toEqual([]);
    expect(recorder.diagnostics()).toHaveLength(1);
    expect(recorder.diagnostics()[0]).toMatchObject({
      message: "event ignored",
      reason: expect.any(String),
    });
    expect(recorder.output()).not.toContain("do-not-log-me");
  });

  it("never logs the alarm's reason texts or other event contents", async () => {
    const recorder = await recorderAnswering();

    await recorder.handler(makeAlarmEvent({ alarmName: "example-dev-errors" }));
    await recorder.handler(loadFixture("cloudwatch-alarm-lambda-action.json"));

    expect(recorder.output()).not.toMatch(
      /Threshold Crossed|reasonData|Insufficient Data|i-12345678/,
    );
  });

  it("never throws, whatever it is sent", async () => {
    const recorder = await recorderAnswering();
    const shapes = [
      makeDeploymentEvent({ state: "START" }),
      makeAlarmEvent(),
      loadFixture("cloudwatch-alarm-lambda-action.json"),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          // Real shapes with one top-level or detail field replaced by anything.
          fc
            .record({
              base: fc.constantFrom(...shapes),
              key: fc.constantFrom("detail", "alarmData", "source", "detail-type", "time", "id"),
              value: fc.anything(),
            })
            .map(({ base, key, value }) => ({ ...base, [key]: value })),
        ),
        async (event) => {
          await recorder.handler(event);
        },
      ),
      { numRuns: 500 },
    );
    expect(recorder.endpoint.requests).toEqual([]);
  });
});

describe("idempotency across containers (one DynamoDB table per stage)", () => {
  let table: FakeDynamoDbTable | undefined;
  const containers: Harness[] = [];
  afterEach(async () => {
    for (const container of containers.splice(0)) await container.close();
    await table?.close();
    table = undefined;
  });

  /** A fresh recorder instance, as in a container that has seen nothing yet, on the shared table. */
  async function container(): Promise<Harness> {
    table ??= await startIdempotencyTable();
    const started = await startRecorder(
      () => ({ body: { deploymentInfo: deploymentInfo() } }),
      RECORDER_ENV,
      table,
    );
    containers.push(started);
    return started;
  }

  const written = (kind: "records" | "metrics") => containers.flatMap((c) => c[kind]());

  it.each([
    [
      "a deployment state change",
      () => makeDeploymentEvent(),
      "prod/deployment:d-123456789:SUCCESS",
    ],
    [
      "an alarm state change",
      () => loadFixture("eventbridge-alarm-state-change.json"),
      `prod/alarm:example-prod-errors:OK:${Date.parse("2026-03-14T09:41:07.512Z")}`,
    ],
  ])(
    "writes the record and metrics of %s redelivered to another container once",
    async (_, event, key) => {
      const first = await container();
      const second = await container();

      await first.handler(event());
      await second.handler(event());

      expect(written("records")).toHaveLength(1);
      expect(written("metrics")).toHaveLength(1);
      expect(second.diagnostics()).toMatchObject([
        { level: "INFO", message: "duplicate event ignored", key },
      ]);
      expect([...(table?.items.keys() ?? [])]).toEqual([key]);
    },
  );

  it("claims the logical event, so a new event id for the same deployment state counts once", async () => {
    const first = await container();
    const second = await container();

    await first.handler(makeDeploymentEvent({ id: "first-delivery" }));
    await second.handler(makeDeploymentEvent({ id: "retried-at-the-source" }));

    expect(written("records")).toHaveLength(1);
    expect(written("metrics")).toHaveLength(1);
  });

  it("keeps a claim for seven days", async () => {
    const recorder = await container();
    const before = Math.floor(Date.now() / 1000);

    await recorder.handler(makeDeploymentEvent());

    const expiresAt = Number(table?.items.get("prod/deployment:d-123456789:SUCCESS")?.expiresAt?.N);
    expect(expiresAt - before).toBeGreaterThanOrEqual(7 * 24 * 3600);
    expect(expiresAt - before).toBeLessThanOrEqual(7 * 24 * 3600 + 5);
  });

  it("records again once a claim has expired, even before DynamoDB deletes the item", async () => {
    const first = await container();
    await first.handler(makeDeploymentEvent());
    const key = "prod/deployment:d-123456789:SUCCESS";
    table?.seed({
      id: { S: key },
      expiresAt: { N: String(Math.floor(Date.now() / 1000) - 1) },
    });
    const second = await container();

    await second.handler(makeDeploymentEvent());

    expect(written("records")).toHaveLength(2);
  });

  it("throws without writing when DynamoDB cannot answer, and records the retry once", async () => {
    const recorder = await container();
    table?.failWith(awsError(500, "InternalServerError", "try again"));
    const event = makeDeploymentEvent();

    await expect(recorder.handler(event)).rejects.toMatchObject({ name: "InternalServerError" });
    expect(recorder.records()).toEqual([]);
    expect(recorder.metrics()).toEqual([]);

    table?.failWith(undefined);
    await recorder.handler(event);
    await recorder.handler(event);

    expect(recorder.records()).toHaveLength(1);
    expect(recorder.metrics()).toHaveLength(1);
  });

  it("still ignores an unusable event without asking DynamoDB", async () => {
    const recorder = await container();
    table?.failWith(awsError(500, "InternalServerError", "unreachable"));

    await expect(recorder.handler({ source: "aws.s3" })).resolves.toBeUndefined();

    expect(table?.endpoint.requests).toEqual([]);
  });
});

describe("readRecorderSettings", () => {
  it.each(["STAGE", "DORA_METRICS_NAMESPACE", "CODEDEPLOY_APPLICATION", "ALARM_NAME_PREFIX"])(
    "names %s when it is missing",
    (variable) => {
      const env: Record<string, string> = { ...RECORDER_ENV };
      delete env[variable];
      expect(() => readRecorderSettings(env)).toThrow(ConfigurationError);
      expect(() => readRecorderSettings(env)).toThrow(
        `environment variable ${variable} must be set`,
      );
    },
  );

  it("names IDEMPOTENCY_TABLE_NAME when it is missing", () => {
    const env: Record<string, string> = { ...RECORDER_ENV };
    delete env.IDEMPOTENCY_TABLE_NAME;

    expect(() => createRecorderHandler(env)).toThrow(
      "environment variable IDEMPOTENCY_TABLE_NAME must be set",
    );
  });

  it("reads the excluded alarm names as a comma-separated list", () => {
    expect(readRecorderSettings(RECORDER_ENV).excludedAlarmNames).toEqual([
      "example-prod-canary-errors",
      "example-prod-canary-p99-duration",
    ]);
  });
});
