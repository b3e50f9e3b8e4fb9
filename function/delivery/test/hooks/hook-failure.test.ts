/**
 * The hooks' on-failure destination as Lambda runs it: the bundle entry's `reportHookFailure`
 * handler, given the record Lambda sends after a hook invocation failed hard (built around the
 * real lifecycle-hook payload), with the real CodeDeploy client pointed at the in-process fake.
 */

import { FakeAwsEndpoint, FakeAwsError, fakeAwsEnvironment } from "@agnostic-lambda-core/fake-aws";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { captureProcessOutput } from "../../../test/support/output.js";
import { runHookFailureReporter } from "../../hooks/hook-failure.js";
import type { HookLog } from "../../hooks/lifecycle.js";
import {
  DEPLOYMENT_ID,
  FakeDeploymentWorld,
  makeHookFailureRecord,
  makeLifecycleHookEvent,
} from "./support/fake-deployment.js";

type HooksModule = typeof import("../../hooks/index.js");

const endpoint = new FakeAwsEndpoint();
let hooks: HooksModule;
let logLines: string[] = [];

beforeAll(async () => {
  const url = await endpoint.start();
  Object.assign(process.env, fakeAwsEnvironment(url));
  hooks = await import("../../hooks/index.js");
});

afterAll(async () => {
  await endpoint.stop();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function arrange(): FakeDeploymentWorld {
  logLines = captureProcessOutput();
  return new FakeDeploymentWorld(endpoint);
}

const lifecycleEvent = makeLifecycleHookEvent();
/** Text that appears only in payload bodies: it must never reach the log. */
const BODY_MARKER = "BODY-MARKER-must-not-be-logged";

describe("reportHookFailure", () => {
  it("reports Failed for the original lifecycle event when the hook ran out of memory", async () => {
    const world = arrange();

    const outcome = await hooks.reportHookFailure(makeHookFailureRecord());

    expect(outcome).toEqual({ reported: true, deploymentId: DEPLOYMENT_ID });
    expect(world.reported).toEqual([
      {
        deploymentId: DEPLOYMENT_ID,
        lifecycleEventHookExecutionId: lifecycleEvent.LifecycleEventHookExecutionId,
        status: "Failed",
      },
    ]);
  });

  it("logs the condition and the error type, never the payload bodies", async () => {
    arrange();

    await hooks.reportHookFailure(
      makeHookFailureRecord({
        responsePayload: { errorType: "Sandbox.Timedout", errorMessage: BODY_MARKER },
      }),
    );

    const logs = logLines.join("");
    expect(logs).toContain('"condition":"RetriesExhausted"');
    expect(logs).toContain('"functionError":"Unhandled"');
    expect(logs).toContain('"errorType":"Sandbox.Timedout"');
    expect(logs).not.toContain(BODY_MARKER);
    expect(logs).not.toContain(lifecycleEvent.LifecycleEventHookExecutionId);
  });

  it("reports Failed when the event expired in the queue before the hook ever ran", async () => {
    const world = arrange();
    const {
      responseContext: _none,
      responsePayload: _nothing,
      ...record
    } = makeHookFailureRecord({
      requestContext: {
        requestId: "66666666-7777-8888-9999-000000000000",
        functionArn:
          "arn:aws:lambda:eu-west-1:111111111111:function:agnostic-lambda-core-dev-post-traffic",
        condition: "EventAgeExceeded",
        approximateInvokeCount: 0,
      },
    });

    const outcome = await hooks.reportHookFailure(record);

    expect(outcome.reported).toBe(true);
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
    expect(logLines.join("")).toContain('"condition":"EventAgeExceeded"');
  });

  const malformed: [string, unknown][] = [
    ["not an object", BODY_MARKER],
    ["null", null],
    ["another record version", makeHookFailureRecord({ version: "2.0" })],
    ["no request context", makeHookFailureRecord({ requestContext: undefined })],
    [
      "an on-success record",
      makeHookFailureRecord({
        requestContext: { condition: "Success", approximateInvokeCount: 1 },
      }),
    ],
    [
      "an original event without a deployment id",
      makeHookFailureRecord({
        requestPayload: { LifecycleEventHookExecutionId: BODY_MARKER, note: BODY_MARKER },
      }),
    ],
    ["an original event that is text", makeHookFailureRecord({ requestPayload: BODY_MARKER })],
  ];

  it.each(malformed)(
    "ignores a record that is %s: no throw, no call to CodeDeploy, no body in the log",
    async (_name, record) => {
      arrange();

      const outcome = await hooks.reportHookFailure(record);

      expect(outcome.reported).toBe(false);
      expect(endpoint.callsOf("PutLifecycleEventHookExecutionStatus")).toHaveLength(0);
      const logs = logLines.join("");
      expect(logs).toContain("ignored a record that is not a lifecycle hook failure");
      expect(logs).not.toContain(BODY_MARKER);
    },
  );

  it("rejects when CodeDeploy refuses the report, so Lambda retries the reporter", async () => {
    arrange();
    endpoint.target("CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus", () => {
      throw new FakeAwsError(400, "InvalidLifecycleEventHookExecutionIdException", "unknown id");
    });

    await expect(hooks.reportHookFailure(makeHookFailureRecord())).rejects.toThrow(/unknown id/);
    expect(logLines.join("")).toContain("could not report the failed lifecycle hook");
  });

  it("does not retry when the hook had already reported before it failed", async () => {
    arrange();
    endpoint.target("CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus", () => {
      throw new FakeAwsError(400, "LifecycleEventAlreadyCompletedException", "already completed");
    });

    const outcome = await hooks.reportHookFailure(makeHookFailureRecord());

    expect(outcome).toMatchObject({ reported: false });
    expect(endpoint.callsOf("PutLifecycleEventHookExecutionStatus")).toHaveLength(1);
  });
});

describe("runHookFailureReporter with untrusted input", () => {
  const silentLog: HookLog = { info: () => undefined, error: () => undefined };

  it("never throws on any input, and reports exactly when it says it did", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({
            version: fc.constantFrom("1.0", "2.0", 1),
            requestContext: fc.anything(),
            requestPayload: fc.anything(),
            responseContext: fc.anything(),
          }),
        ),
        async (record) => {
          const reported: unknown[] = [];

          const outcome = await runHookFailureReporter({
            record,
            report: async (event) => {
              reported.push(event);
            },
            log: silentLog,
          });

          expect(reported).toHaveLength(outcome.reported ? 1 : 0);
        },
      ),
    );
  });
});
