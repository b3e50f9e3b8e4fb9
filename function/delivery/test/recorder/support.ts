/** Fixture factories and a harness for the DORA recorder tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  FAKE_CREDENTIALS,
  type FakeAnswer,
  type FakeAwsEndpoint,
  startFakeAwsEndpoint,
} from "@agnostic-lambda-core/fake-aws/scripted";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createRecorderHandler } from "../../recorder/handler.js";
import { type FakeDynamoDbTable, startFakeDynamoDbTable } from "./fake-dynamodb.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** A real AWS payload from function/delivery/test/recorder/fixtures (copied from shared/fixtures/aws-events). */
export function loadFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(fixtures, name), "utf8")) as T;
}

type Json = Record<string, unknown>;

/** The CodeDeploy state-change fixture with the parts a test cares about replaced. */
export function makeDeploymentEvent(
  spec: { state?: string; deploymentId?: string; id?: string; application?: string } = {},
): Json {
  const event = loadFixture("codedeploy-deployment-state-change.json");
  const detail = event.detail as Json;
  return {
    ...event,
    id: spec.id ?? event.id,
    detail: {
      ...detail,
      state: spec.state ?? detail.state,
      deploymentId: spec.deploymentId ?? detail.deploymentId,
      application: spec.application ?? detail.application,
    },
  };
}

interface AlarmStateSpec {
  readonly value: string;
  readonly timestamp: string;
}

/** The EventBridge alarm fixture with another alarm, state or previous state. */
export function makeAlarmEvent(
  spec: {
    alarmName?: string;
    id?: string;
    state?: AlarmStateSpec;
    previousState?: AlarmStateSpec;
  } = {},
): Json {
  const event = loadFixture("eventbridge-alarm-state-change.json");
  const detail = event.detail as Json;
  return {
    ...event,
    id: spec.id ?? event.id,
    detail: {
      ...detail,
      alarmName: spec.alarmName ?? detail.alarmName,
      state: { ...(detail.state as Json), ...spec.state },
      previousState: { ...(detail.previousState as Json), ...spec.previousState },
    },
  };
}

/** A CodeDeploy `deploymentInfo` as the API returns it (times in epoch seconds). */
export function deploymentInfo(fields: Json = {}): Json {
  return {
    applicationName: "myApplication",
    deploymentGroupName: "myDeploymentGroup",
    deploymentId: "d-123456789",
    status: "Succeeded",
    creator: "user",
    description: "release 3f2c9e1 commit=3f2c9e1 committedAt=2016-06-30T20:00:00Z",
    createTime: Date.parse("2016-06-30T21:55:00Z") / 1000,
    startTime: Date.parse("2016-06-30T21:56:00Z") / 1000,
    completeTime: Date.parse("2016-06-30T22:06:30Z") / 1000,
    ...fields,
  };
}

export const RECORDER_ENV = {
  STAGE: "prod",
  DORA_METRICS_NAMESPACE: "AgnosticLambdaCore/DORA",
  CODEDEPLOY_APPLICATION: "myApplication",
  ALARM_NAME_PREFIX: "example-prod-",
  EXCLUDED_ALARM_NAMES: "example-prod-canary-errors,example-prod-canary-p99-duration",
  IDEMPOTENCY_TABLE_NAME: "agnostic-lambda-core-prod-dora-idempotency",
} as const;

/** A fake of the stage's idempotency table; share one between recorders to play two containers. */
export function startIdempotencyTable(): Promise<FakeDynamoDbTable> {
  return startFakeDynamoDbTable(RECORDER_ENV.IDEMPOTENCY_TABLE_NAME);
}

export interface Harness {
  readonly handler: (event: unknown) => Promise<void>;
  /** Every line the recorder wrote, parsed. */
  readonly lines: Json[];
  /** The raw text it wrote. */
  readonly output: () => string;
  readonly endpoint: FakeAwsEndpoint;
  /** The idempotency table this recorder claims events in. */
  readonly table: FakeDynamoDbTable;
  /** Closes the CodeDeploy fake, and the table unless the test passed in its own. */
  readonly close: () => Promise<void>;
  readonly records: () => Json[];
  readonly metrics: () => Json[];
  readonly diagnostics: () => Json[];
}

/**
 * The real handler (a fresh instance: a new container) wired to a fake CodeDeploy endpoint
 * answering GetDeployment from `answer` and to a fake idempotency table (`table`, or its own),
 * writing into memory. Call `close` after the test.
 */
export async function startRecorder(
  answer: (deploymentId: string) => FakeAnswer,
  env: Readonly<Record<string, string>> = RECORDER_ENV,
  table?: FakeDynamoDbTable,
): Promise<Harness> {
  const idempotencyTable = table ?? (await startIdempotencyTable());
  const endpoint = await startFakeAwsEndpoint({
    "CodeDeploy_20141006.GetDeployment": ({ body }) => answer(String(body.deploymentId)),
  });
  const codeDeploy = new CodeDeployClient({
    endpoint: endpoint.url,
    region: "us-east-1",
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });
  const dynamoDb = new DynamoDBClient({
    endpoint: idempotencyTable.endpoint.url,
    region: "us-east-1",
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });
  let text = "";
  const lines: Json[] = [];
  const handler = createRecorderHandler(env, {
    codeDeploy,
    dynamoDb,
    write: (line) => {
      text += line;
      lines.push(JSON.parse(line) as Json);
    },
  });
  return {
    handler,
    lines,
    output: () => text,
    endpoint,
    table: idempotencyTable,
    close: async () => {
      await endpoint.close();
      if (!table) await idempotencyTable.close();
    },
    records: () => lines.filter((line) => line.type === "deployment" || line.type === "incident"),
    metrics: () => lines.filter((line) => "_aws" in line),
    diagnostics: () => lines.filter((line) => "level" in line),
  };
}
