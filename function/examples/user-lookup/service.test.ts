/**
 * The example service end to end: its core built by `createCore` from the environment (a real
 * DynamoDB client pointed at the in-process fake), answering through the real Lambda handler,
 * and held to its own smoke checks by the runner the pre-traffic hook uses.
 */
import { type FakeAwsEndpoint, fakeAwsEnvironment } from "@agnostic-lambda-core/fake-aws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSmokeChecks, smokeCheckToEvent } from "../../delivery/hooks/smoke.js";
import { createLambdaHandler } from "../../src/adapters/lambda.js";
import { ConfigurationError } from "../../src/config.js";
import type { ServiceDefinition } from "../../src/service-definition.js";
import { recordingLogger } from "../../test/support/events.js";
import { type StoredItem, startFakeUsersTable } from "./fake-users-table.js";
import { SMOKE_USER_ID, userLookupService } from "./service.js";

const TABLE = "users-dev";
const VERSION = "example-1";
const endpoints: FakeAwsEndpoint[] = [];
const savedEnvironment = { ...process.env };

afterAll(async () => {
  process.env = savedEnvironment;
  await Promise.all(endpoints.map((endpoint) => endpoint.stop()));
});

/** The service's core on a fresh fake table holding `items`, as the Lambda entry would build it. */
async function serviceOn(items: readonly StoredItem[]) {
  const endpoint = await startFakeUsersTable(TABLE, items);
  endpoints.push(endpoint);
  const env = { ...fakeAwsEnvironment(endpoint.url), USERS_TABLE: TABLE };
  Object.assign(process.env, env);
  return createLambdaHandler(userLookupService.createCore(env), {
    version: VERSION,
    logger: recordingLogger(),
  });
}

async function smokeTest(
  service: ServiceDefinition,
  handler: Awaited<ReturnType<typeof serviceOn>>,
) {
  return runSmokeChecks(
    service.smokeChecks,
    async (check, index) => {
      const result = await handler(smokeCheckToEvent(check, `smoke-${index}`, new Date()), {
        awsRequestId: `smoke-${index}`,
        getRemainingTimeInMillis: () => 10_000,
      } as never);
      return { answer: result, problems: [] };
    },
    { version: VERSION },
  );
}

describe("the user lookup service", () => {
  beforeAll(() => {
    delete process.env.USERS_TABLE;
  });

  it("refuses to start without USERS_TABLE, naming the variable", () => {
    expect(() => userLookupService.createCore({})).toThrow(ConfigurationError);
    expect(() => userLookupService.createCore({})).toThrow(
      "environment variable USERS_TABLE must name the users table",
    );
    expect(() => userLookupService.createCore({ USERS_TABLE: "a b" })).toThrow(
      'environment variable USERS_TABLE must be a DynamoDB table name, got "a b"',
    );
  });

  it("answers a lookup through the Lambda handler", async () => {
    const handler = await serviceOn([{ id: { S: "u-1" }, name: { S: "Ada" } }]);
    const result = await handler(
      smokeCheckToEvent(
        {
          name: "lookup",
          request: { method: "POST", path: "/", body: { userId: "u-1" } },
          expect: { status: 200 },
        },
        "r-1",
        new Date(),
      ),
      { awsRequestId: "r-1", getRemainingTimeInMillis: () => 10_000 } as never,
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ result: { user: { id: "u-1", name: "Ada" } } });
  });

  it("passes its own smoke checks on a stage whose table holds the smoke user", async () => {
    const handler = await serviceOn([{ id: { S: SMOKE_USER_ID }, name: { S: "Smoke Test" } }]);
    const report = await smokeTest(userLookupService, handler);
    expect(report).toEqual({ passed: true, checked: 4, problems: [] });
  });

  it("fails its smoke checks, naming the check, on a table without the smoke user", async () => {
    const handler = await serviceOn([]);
    const report = await smokeTest(userLookupService, handler);
    expect(report.passed).toBe(false);
    expect(report.problems).toContain("POST / finds the smoke user: status 404, expected 200");
  });
});
