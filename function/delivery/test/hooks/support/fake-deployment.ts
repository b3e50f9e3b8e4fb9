/**
 * A fake AWS for the hook tests: one CodeDeploy deployment, the function's published versions
 * (each answering through the real Lambda handler unless a test breaks it) and the stage's
 * alarms, served over HTTP by the shared in-process endpoint the release tests use too.
 */

import {
  epochSeconds,
  type FakeAwsEndpoint,
  FakeAwsError,
  HANG,
} from "@agnostic-lambda-core/fake-aws";
import type { Context } from "aws-lambda";
import { createLambdaHandler, type FunctionUrlResult } from "../../../../src/adapters/lambda.js";
import type { Core } from "../../../../src/core/contract.js";
import { service } from "../../../../src/service.js";
import lifecycleHookEvent from "../fixtures/codedeploy-lifecycle-hook.json" with { type: "json" };

export const FUNCTION_NAME = "agnostic-lambda-core-dev";
export const DEPLOYMENT_ID = lifecycleHookEvent.DeploymentId;

/** The real lifecycle-hook payload, as CodeDeploy sends it. */
export function makeLifecycleHookEvent(): typeof lifecycleHookEvent {
  return { ...lifecycleHookEvent };
}

/**
 * The record Lambda sends to a hook's on-failure destination after the hook invocation failed
 * hard, wrapping the real lifecycle-hook payload; by default a pre-traffic hook that ran out of
 * memory. `overrides` replace top-level fields.
 */
export function makeHookFailureRecord(
  overrides: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return {
    version: "1.0",
    timestamp: "2024-01-01T12:00:00.000Z",
    requestContext: {
      requestId: "66666666-7777-8888-9999-000000000000",
      functionArn:
        "arn:aws:lambda:eu-west-1:111111111111:function:agnostic-lambda-core-dev-pre-traffic:$LATEST",
      condition: "RetriesExhausted",
      approximateInvokeCount: 1,
    },
    requestPayload: makeLifecycleHookEvent(),
    responseContext: {
      statusCode: 200,
      executedVersion: "$LATEST",
      functionError: "Unhandled",
    },
    responsePayload: {
      errorType: "Runtime.OutOfMemory",
      errorMessage: "RequestId: 6666 Error: Runtime exited with error: signal: killed",
    },
    ...overrides,
  };
}

/** A frozen Lambda context whose remaining time counts down from `remainingMs`. */
export function makeHookContext(remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return Object.freeze({
    callbackWaitsForEmptyEventLoop: true,
    functionName: "agnostic-lambda-core-dev-pre-traffic",
    functionVersion: "$LATEST",
    invokedFunctionArn:
      "arn:aws:lambda:eu-west-1:111111111111:function:agnostic-lambda-core-dev-pre-traffic",
    memoryLimitInMB: "256",
    awsRequestId: "11111111-2222-3333-4444-555555555555",
    logGroupName: "/aws/lambda/agnostic-lambda-core-dev-pre-traffic",
    logStreamName: "2024/01/01/[$LATEST]abcdef",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  });
}

export function makeAppSpec(
  overrides: { currentVersion?: string; targetVersion?: string } = {},
): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        api: {
          Type: "AWS::Lambda::Function",
          Properties: {
            Name: FUNCTION_NAME,
            Alias: "live",
            CurrentVersion: overrides.currentVersion ?? "7",
            TargetVersion: overrides.targetVersion ?? "8",
          },
        },
      },
    ],
    Hooks: [
      { BeforeAllowTraffic: "agnostic-lambda-core-dev-pre-traffic" },
      { AfterAllowTraffic: "agnostic-lambda-core-dev-post-traffic" },
    ],
  });
}

/** What a fake version answers to one Invoke. */
export type InvokeReply =
  | { readonly result: unknown }
  | { readonly functionError: string; readonly result: unknown }
  | typeof HANG;

/** How a version behaves: by default the real handler built with the version's VERSION. */
export type VersionBehaviour = (event: unknown, label: string) => Promise<InvokeReply>;

const silentLogger = {
  request: () => undefined,
  unexpectedError: () => undefined,
  core: () => undefined,
};

/** A version running the real Lambda handler around `core`, built with the version's VERSION. */
export function coreBehaviour(core: Core): VersionBehaviour {
  return async (event, label) => {
    const handler = createLambdaHandler(core, { version: label, logger: silentLogger });
    return { result: await handler(event as never, makeHookContext()) };
  };
}

/** A version running the service's own core (function/src/service.ts). */
export const realHandler: VersionBehaviour = coreBehaviour(service.createCore({}));

/** The structured result the real handler returns, as a plain object a test can alter. */
export interface HandlerResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** The real handler, with its result passed through `change` (to break one thing). */
export function alteredHandler(change: (result: HandlerResult) => unknown): VersionBehaviour {
  return async (event, label) => {
    const reply = await realHandler(event, label);
    if (reply === HANG) return reply;
    const result = reply.result as FunctionUrlResult;
    return {
      result: change({
        statusCode: result.statusCode,
        headers: result.headers,
        body: result.body,
        isBase64Encoded: result.isBase64Encoded,
      }),
    };
  };
}

export interface FakeAlarm {
  name: string;
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  since: Date;
}

export interface FakeWorldOptions {
  readonly appSpec?: string;
  /** Put the AppSpec only in GetApplicationRevision, as a revision stored by reference would. */
  readonly appSpecByReference?: boolean;
  readonly deploymentCreatedAt?: Date;
  readonly versions?: Readonly<Record<string, { label?: string; behaviour?: VersionBehaviour }>>;
  readonly alarms?: readonly FakeAlarm[];
}

export interface ReportedStatus {
  readonly deploymentId: string;
  readonly lifecycleEventHookExecutionId: string;
  readonly status: string;
}

/**
 * Installs one scenario on a running endpoint (replacing the previous scenario's handlers), so
 * one endpoint and one set of SDK clients serve a whole test file.
 */
export class FakeDeploymentWorld {
  readonly reported: ReportedStatus[] = [];
  readonly invokedEvents: unknown[] = [];

  constructor(
    readonly endpoint: FakeAwsEndpoint,
    options: FakeWorldOptions = {},
  ) {
    endpoint.reset();
    const createdAt = options.deploymentCreatedAt ?? new Date(Date.now() - 60_000);
    const appSpec = options.appSpec ?? makeAppSpec();
    const versions = options.versions ?? { "7": { label: "v-old" }, "8": { label: "v-new" } };
    const alarms = options.alarms ?? [];
    const revision = options.appSpecByReference
      ? { revisionType: "AppSpecContent", appSpecContent: { sha256: "abc" } }
      : { revisionType: "AppSpecContent", appSpecContent: { content: appSpec, sha256: "abc" } };

    this.endpoint
      .target("CodeDeploy_20141006.GetDeployment", ({ json }) => {
        if (json.deploymentId !== DEPLOYMENT_ID) {
          throw new FakeAwsError(400, "DeploymentDoesNotExistException", "no such deployment");
        }
        return {
          body: {
            deploymentInfo: {
              deploymentId: DEPLOYMENT_ID,
              applicationName: FUNCTION_NAME,
              deploymentGroupName: `${FUNCTION_NAME}-live`,
              status: "InProgress",
              createTime: epochSeconds(createdAt),
              revision,
            },
          },
        };
      })
      .target("CodeDeploy_20141006.GetApplicationRevision", () => ({
        body: {
          applicationName: FUNCTION_NAME,
          revision: {
            revisionType: "AppSpecContent",
            appSpecContent: { content: appSpec, sha256: "abc" },
          },
        },
      }))
      .target("CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus", ({ json }) => {
        this.reported.push({
          deploymentId: String(json.deploymentId),
          lifecycleEventHookExecutionId: String(json.lifecycleEventHookExecutionId),
          status: String(json.status),
        });
        return { body: { lifecycleEventHookExecutionId: json.lifecycleEventHookExecutionId } };
      })
      .route(
        "GetFunctionConfiguration",
        "GET",
        "/2015-03-31/functions/{FunctionName}/configuration",
        ({ params, query }) => {
          const version = versions[query.get("Qualifier") ?? ""];
          if (params.FunctionName !== FUNCTION_NAME || !version) {
            throw new FakeAwsError(404, "ResourceNotFoundException", "Function not found");
          }
          const variables = version.label === undefined ? {} : { VERSION: version.label };
          return {
            body: {
              FunctionName: FUNCTION_NAME,
              Version: query.get("Qualifier"),
              Environment: { Variables: variables },
            },
          };
        },
      )
      .route(
        "Invoke",
        "POST",
        "/2015-03-31/functions/{FunctionName}/invocations",
        async ({ params, query, body }) => {
          const qualifier = query.get("Qualifier") ?? "$LATEST";
          const version = versions[qualifier];
          if (params.FunctionName !== FUNCTION_NAME || !version) {
            throw new FakeAwsError(404, "ResourceNotFoundException", "Function not found");
          }
          const event: unknown = JSON.parse(body);
          this.invokedEvents.push(event);
          const reply = await (version.behaviour ?? realHandler)(
            event,
            version.label ?? "dev-manual",
          );
          if (reply === HANG) return HANG;
          const headers: Record<string, string> = { "x-amz-executed-version": qualifier };
          if ("functionError" in reply) headers["x-amz-function-error"] = reply.functionError;
          return { headers, body: JSON.stringify(reply.result) };
        },
      )
      .target("GraniteServiceVersion20100801.DescribeAlarms", ({ json }) => {
        const names = (json.AlarmNames as string[] | undefined) ?? [];
        return {
          body: {
            MetricAlarms: alarms
              .filter((alarm) => names.includes(alarm.name))
              .map((alarm) => ({
                AlarmName: alarm.name,
                StateValue: alarm.state,
                StateTransitionedTimestamp: epochSeconds(alarm.since),
                StateUpdatedTimestamp: epochSeconds(alarm.since),
              })),
          },
        };
      });
  }
}
