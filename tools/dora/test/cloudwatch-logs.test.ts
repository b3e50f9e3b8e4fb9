import {
  awsError,
  FAKE_CREDENTIALS,
  type FakeAwsEndpoint,
  type FakeHandler,
  startFakeAwsEndpoint,
} from "@agnostic-lambda-core/fake-aws/scripted";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { afterEach, describe, expect, it } from "vitest";
import { RECORD_FILTER_PATTERN, readRecordsFromLogGroup } from "../sources/cloudwatch-logs.js";
import { at } from "./support/records.js";

const TARGET = "Logs_20140328.FilterLogEvents";
const GROUP = "/aws/lambda/agnostic-lambda-core-prod-dora-recorder";

const deployment = (id: string, finishedAt: string) =>
  JSON.stringify({
    type: "deployment",
    stage: "prod",
    deploymentId: id,
    commit: "3f2c9e1",
    committedAt: "2026-03-01T08:00:00Z",
    startedAt: "2026-03-01T09:00:00Z",
    finishedAt,
    status: "succeeded",
  });

function logEvent(eventId: string, timestamp: number, message: string) {
  return {
    logStreamName: "2026/03/01/[$LATEST]abc",
    timestamp,
    message,
    ingestionTime: timestamp,
    eventId,
  };
}

let endpoint: FakeAwsEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

async function clientFor(handler: FakeHandler) {
  endpoint = await startFakeAwsEndpoint({ [TARGET]: handler });
  return new CloudWatchLogsClient({
    endpoint: endpoint.url,
    region: "eu-west-1",
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });
}

describe("readRecordsFromLogGroup", () => {
  it("follows nextToken through every page and asks only for record lines", async () => {
    const pages: Record<string, { events: unknown[]; nextToken?: string }> = {
      first: {
        events: [logEvent("e1", 1, deployment("d-1", "2026-03-01T10:00:00Z"))],
        nextToken: "t2",
      },
      t2: { events: [], nextToken: "t3" },
      t3: { events: [logEvent("e3", 3, deployment("d-3", "2026-03-03T10:00:00Z"))] },
    };
    const client = await clientFor(({ body }) => ({
      body: pages[(body.nextToken as string | undefined) ?? "first"],
    }));

    const parsed = await readRecordsFromLogGroup(client, { logGroupName: GROUP });

    expect(
      parsed.records.map((record) => record.type === "deployment" && record.deploymentId),
    ).toEqual(["d-1", "d-3"]);
    expect(endpoint?.requests.map((request) => request.body)).toEqual([
      { logGroupName: GROUP, filterPattern: RECORD_FILTER_PATTERN },
      { logGroupName: GROUP, filterPattern: RECORD_FILTER_PATTERN, nextToken: "t2" },
      { logGroupName: GROUP, filterPattern: RECORD_FILTER_PATTERN, nextToken: "t3" },
    ]);
    expect(endpoint?.requests.every((request) => request.target === TARGET)).toBe(true);
  });

  it("merges a record written twice (a redelivered event in another container)", async () => {
    const line = deployment("d-1", "2026-03-01T10:00:00Z");
    const client = await clientFor(() => ({
      body: { events: [logEvent("e1", 1, line), logEvent("e2", 2, line)] },
    }));

    const parsed = await readRecordsFromLogGroup(client, { logGroupName: GROUP });

    expect(parsed.records).toHaveLength(1);
    expect(parsed.records[0]).toMatchObject({ finishedAt: at("2026-03-01T10:00:00Z") });
    expect(parsed.duplicates).toBe(1);
  });

  it("reports a malformed message by its log event id and keeps the others", async () => {
    const client = await clientFor(() => ({
      body: {
        events: [
          logEvent("e1", 1, deployment("d-1", "2026-03-01T10:00:00Z")),
          logEvent("e2", 2, '{"type":"deployment","stage":"prod"}'),
        ],
      },
    }));

    const parsed = await readRecordsFromLogGroup(client, { logGroupName: GROUP });

    expect(parsed.records).toHaveLength(1);
    expect(parsed.problems).toEqual([
      {
        location: "log event e2 (2026/03/01/[$LATEST]abc)",
        message: `"deploymentId" must be a non-empty string`,
      },
    ]);
  });

  it("passes an AWS error on with its name", async () => {
    const client = await clientFor(() =>
      awsError(400, "ResourceNotFoundException", "The specified log group does not exist."),
    );

    await expect(readRecordsFromLogGroup(client, { logGroupName: GROUP })).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });
});
