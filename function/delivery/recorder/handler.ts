/**
 * Lambda entry point of the DORA recorder (function/dist/recorder.mjs, export `handler`; the
 * stage stack runs it from the service image with `image_config.command = ["recorder.handler"]`).
 * A thin adapter: reads the environment once, wires CodeDeploy, the DynamoDB idempotency table
 * and standard output into the recorder, and hands it each event.
 */
import { CodeDeployClient, GetDeploymentCommand } from "@aws-sdk/client-codedeploy";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ConfigurationError } from "../../src/config.js";
import { dynamoDbClaims } from "./claims.js";
import { createRecorder, type RecorderSettings } from "./recorder.js";

type Environment = Readonly<Record<string, string | undefined>>;

function required(env: Environment, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(name, "must be set (the stage stack sets it)");
  return value;
}

/** The recorder's settings from its environment; throws naming the first missing variable. */
export function readRecorderSettings(env: Environment): RecorderSettings {
  return {
    stage: required(env, "STAGE"),
    metricsNamespace: required(env, "DORA_METRICS_NAMESPACE"),
    codeDeployApplication: required(env, "CODEDEPLOY_APPLICATION"),
    alarmNamePrefix: required(env, "ALARM_NAME_PREFIX"),
    excludedAlarmNames: (env.EXCLUDED_ALARM_NAMES ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name.length > 0),
  };
}

/**
 * Builds a handler. Log lines go straight to standard output rather than through `console`, so
 * Lambda's JSON log format leaves them as they are: CloudWatch needs each EMF document and each
 * record to be the whole log event.
 */
export function createRecorderHandler(
  env: Environment,
  dependencies: {
    /** @default a client for the function's region */
    readonly codeDeploy?: CodeDeployClient;
    /** @default a client for the function's region */
    readonly dynamoDb?: DynamoDBClient;
    /** @default a synchronous write to standard output */
    readonly write?: (line: string) => void;
  } = {},
) {
  const settings = readRecorderSettings(env);
  const idempotencyTableName = required(env, "IDEMPOTENCY_TABLE_NAME");
  const codeDeploy = dependencies.codeDeploy ?? new CodeDeployClient({});
  const dynamoDb = dependencies.dynamoDb ?? new DynamoDBClient({});
  const record = createRecorder(settings, {
    getDeployment: async (deploymentId) =>
      (await codeDeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo,
    write:
      dependencies.write ??
      ((line) => {
        process.stdout.write(line);
      }),
    claim: dynamoDbClaims(dynamoDb, idempotencyTableName),
    now: Date.now,
  });
  return async (event: unknown): Promise<void> => {
    await record(event);
  };
}

let cached: ((event: unknown) => Promise<void>) | undefined;

/** The Lambda handler; settings are read on the first invocation and kept for the container. */
export const handler = (event: unknown): Promise<void> => {
  cached ??= createRecorderHandler(process.env);
  return cached(event);
};
