/**
 * The deployment hooks as Lambda runs them: the bundle entry's `preTraffic` / `postTraffic`
 * handlers, with the real CodeDeploy lifecycle-hook payload, real SDK clients pointed at an
 * in-process fake of Lambda, CodeDeploy and CloudWatch, and the real API handler answering the
 * smoke requests. Every failure path must still report `Failed` to CodeDeploy.
 */

import {
  FakeAwsEndpoint,
  FakeAwsError,
  fakeAwsEnvironment,
  HANG,
  serviceUnavailable,
  throttling,
} from "@agnostic-lambda-core/fake-aws";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { captureProcessOutput } from "../../../test/support/output.js";
import { awsPreTrafficPorts, createHookClients } from "../../hooks/aws.js";
import { createUrlSmokeCheck, fetchUrlPorts } from "../../hooks/url-smoke.js";
import {
  alteredHandler,
  DEPLOYMENT_ID,
  FakeDeploymentWorld,
  type FakeWorldOptions,
  makeAppSpec,
  makeHookContext,
  makeLifecycleHookEvent,
} from "./support/fake-deployment.js";
import { FunctionUrlStandIn } from "./support/function-url-stand-in.js";

type HooksModule = typeof import("../../hooks/index.js");

const ALARM_NAMES = ["agnostic-lambda-core-dev-errors", "agnostic-lambda-core-dev-canary-errors"];
const endpoint = new FakeAwsEndpoint();
const functionUrl = new FunctionUrlStandIn();
let hooks: HooksModule;
let logLines: string[] = [];

beforeAll(async () => {
  const url = await endpoint.start();
  Object.assign(process.env, fakeAwsEnvironment(url), {
    ALARM_NAMES: ALARM_NAMES.join(","),
    FUNCTION_URL: await functionUrl.start(),
    HOOK_SAFETY_MARGIN_MS: "500",
  });
  hooks = await import("../../hooks/index.js");
});

afterAll(async () => {
  await Promise.all([endpoint.stop(), functionUrl.stop()]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

function captureLogs(): void {
  logLines = captureProcessOutput();
}

function arrange(options: FakeWorldOptions = {}): FakeDeploymentWorld {
  captureLogs();
  // By default the URL already serves the target version (8, "v-new") as the real service.
  functionUrl.serve({ labels: ["v-new"] });
  return new FakeDeploymentWorld(endpoint, options);
}

const event = makeLifecycleHookEvent();

describe("preTraffic", () => {
  it("reports Succeeded when the target version answers every smoke request as contracted", async () => {
    const world = arrange();

    const result = await hooks.preTraffic(event, makeHookContext());

    expect(result.status).toBe("Succeeded");
    expect(world.reported).toEqual([
      {
        deploymentId: DEPLOYMENT_ID,
        lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
        status: "Succeeded",
      },
    ]);
    const invokes = endpoint.callsOf("Invoke");
    expect(invokes.map((call) => call.query.Qualifier)).toEqual(["8", "8", "8", "8"]);
    // The pipeline's own checks, then the ones function/src/service.ts declares.
    expect(world.invokedEvents).toMatchObject([
      { version: "2.0", rawPath: "/health", requestContext: { http: { method: "GET" } } },
      { rawPath: "/does-not-exist", requestContext: { http: { method: "GET" } } },
      {
        rawPath: "/",
        body: '{"user":"smoke-test"}',
        requestContext: { http: { method: "POST" } },
      },
      { rawPath: "/", body: '{"user":7}', requestContext: { http: { method: "POST" } } },
    ]);
  });

  it("reads the AppSpec from the application revision when the deployment does not inline it", async () => {
    const world = arrange({ appSpecByReference: true });

    const result = await hooks.preTraffic(event, makeHookContext());

    expect(result.status).toBe("Succeeded");
    expect(endpoint.callsOf("GetApplicationRevision")).toHaveLength(1);
    expect(world.reported[0]?.status).toBe("Succeeded");
  });

  it("retries a throttled Invoke and a transient CodeDeploy 5xx through the SDK's retry strategy", async () => {
    const world = arrange();
    endpoint.failNext("Invoke", throttling("TooManyRequestsException"));
    endpoint.failNext("GetDeployment", serviceUnavailable());

    const result = await hooks.preTraffic(event, makeHookContext());

    expect(result.status).toBe("Succeeded");
    expect(world.reported[0]?.status).toBe("Succeeded");
    expect(endpoint.callsOf("GetDeployment").map((call) => call.status)).toEqual([503, 200]);
  });

  const failures: [string, FakeWorldOptions, RegExp][] = [
    [
      "the target version crashes",
      {
        versions: {
          "8": {
            label: "v-new",
            behaviour: async () => ({
              functionError: "Unhandled",
              result: { errorType: "Error", errorMessage: "boom" },
            }),
          },
        },
      },
      /GET \/health: the function failed \(Unhandled\)/,
    ],
    [
      "a security header is missing",
      {
        versions: {
          "8": {
            label: "v-new",
            behaviour: alteredHandler((result) => {
              const { "x-frame-options": _dropped, ...headers } = result.headers;
              return { ...result, headers };
            }),
          },
        },
      },
      /header x-frame-options is missing/,
    ],
    [
      "the body reports another version than the target's VERSION",
      {
        versions: {
          "8": {
            label: "v-new",
            behaviour: alteredHandler((result) => ({
              ...result,
              body: result.body.replace("v-new", "v-old"),
            })),
          },
        },
      },
      /body.version differs from the target version's VERSION \(v-new\)/,
    ],
    [
      "an unknown path answers 200 instead of 404",
      {
        versions: {
          "8": {
            label: "v-new",
            behaviour: alteredHandler((result) =>
              result.statusCode === 404 ? { ...result, statusCode: 200 } : result,
            ),
          },
        },
      },
      /GET \/does-not-exist: status 200, expected 404/,
    ],
    [
      "the AppSpec names a version that is not a published version",
      { appSpec: makeAppSpec({ targetVersion: "$LATEST" }) },
      /TargetVersion must be a published version number/,
    ],
    [
      "the target version does not exist",
      { appSpec: makeAppSpec({ targetVersion: "9" }) },
      /ResourceNotFoundException/,
    ],
  ];

  it.each(failures)("reports Failed when %s", async (_name, options, reason) => {
    const world = arrange(options);

    const result = await hooks.preTraffic(event, makeHookContext());

    expect(result.status).toBe("Failed");
    expect(result.reasons.join("\n")).toMatch(reason);
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
    expect(logLines.join("")).toMatch(reason);
  });

  it("never logs a smoke response body or header value", async () => {
    arrange({
      versions: {
        "8": {
          label: "v-new",
          behaviour: alteredHandler((result) => ({
            ...result,
            headers: { ...result.headers, "x-frame-options": "SAMEORIGIN-LEAK" },
            body: result.body.replace("Hello", "Hi"),
          })),
        },
      },
    });

    const result = await hooks.preTraffic(event, makeHookContext());

    expect(result.status).toBe("Failed");
    const logs = logLines.join("");
    expect(logs).toContain("header x-frame-options has the wrong value");
    expect(logs).toContain("body.result.message differs from the check");
    expect(logs).not.toContain("SAMEORIGIN-LEAK");
    expect(logs).not.toContain("smoke-test! All OK");
    expect(logs).not.toContain("Request processed successfully");
  });

  it("reports Failed before its own timeout when the target version never answers", async () => {
    const world = arrange({ versions: { "8": { label: "v-new", behaviour: async () => HANG } } });
    const startedAt = Date.now();

    const result = await hooks.preTraffic(event, makeHookContext(2_000));

    expect(result.status).toBe("Failed");
    expect(result.reasons[0]).toMatch(/did not finish within 1[45]\d\d ms/);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
  });

  it("reports Failed when CodeDeploy cannot find the deployment", async () => {
    const world = arrange();

    const result = await hooks.preTraffic(
      { ...event, DeploymentId: "d-UNKNOWN1" },
      makeHookContext(),
    );

    expect(result.status).toBe("Failed");
    expect(result.reasons[0]).toMatch(/DeploymentDoesNotExistException/);
    expect(world.reported).toMatchObject([{ deploymentId: "d-UNKNOWN1", status: "Failed" }]);
  });

  it("rejects, so Lambda hands the event to the failure reporter, when the status cannot be reported", async () => {
    arrange();
    endpoint.failNext(
      "PutLifecycleEventHookExecutionStatus",
      ...Array.from({ length: 4 }, () => serviceUnavailable()),
    );

    await expect(hooks.preTraffic(event, makeHookContext())).rejects.toThrow(/unavailable/);
    expect(logLines.join("")).toContain("could not report the lifecycle hook status");
  });

  it("rejects an event without a deployment id, naming the field", async () => {
    arrange();

    await expect(
      hooks.preTraffic({ LifecycleEventHookExecutionId: "x" }, makeHookContext()),
    ).rejects.toThrow(/event.DeploymentId must be a CodeDeploy deployment id/);
    expect(endpoint.callsOf("PutLifecycleEventHookExecutionStatus")).toHaveLength(0);
  });
});

describe("postTraffic", () => {
  const deploymentCreatedAt = new Date(Date.now() - 10 * 60_000);
  const before = new Date(deploymentCreatedAt.getTime() - 60 * 60_000);
  const during = new Date(deploymentCreatedAt.getTime() + 2 * 60_000);

  it("reports Succeeded when no alarm is in ALARM", async () => {
    const world = arrange({
      deploymentCreatedAt,
      alarms: ALARM_NAMES.map((name) => ({ name, state: "OK", since: before })),
    });

    const result = await hooks.postTraffic(event, makeHookContext());

    expect(result.status).toBe("Succeeded");
    expect(world.reported.map((report) => report.status)).toEqual(["Succeeded"]);
    expect(endpoint.callsOf("DescribeAlarms")[0]?.json.AlarmNames).toEqual(ALARM_NAMES);
  });

  it("reports Failed when an alarm went into ALARM during the deployment", async () => {
    const world = arrange({
      deploymentCreatedAt,
      alarms: [
        { name: ALARM_NAMES[0] as string, state: "OK", since: before },
        { name: ALARM_NAMES[1] as string, state: "ALARM", since: during },
      ],
    });

    const result = await hooks.postTraffic(event, makeHookContext());

    expect(result.status).toBe("Failed");
    // The failing alarm check leads; the URL smoke's passing note follows.
    expect(result.reasons).toEqual([
      "alarm agnostic-lambda-core-dev-canary-errors went into ALARM during the deployment",
      "the Function URL of agnostic-lambda-core-dev serves version 8 (v-new) and passed 4 smoke checks",
    ]);
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
  });

  it("does not fail the hotfix for an alarm already in ALARM before the deployment started", async () => {
    const world = arrange({
      deploymentCreatedAt,
      alarms: [
        { name: ALARM_NAMES[0] as string, state: "ALARM", since: before },
        { name: ALARM_NAMES[1] as string, state: "INSUFFICIENT_DATA", since: during },
      ],
    });

    const result = await hooks.postTraffic(event, makeHookContext());

    expect(result.status).toBe("Succeeded");
    expect(result.reasons.join("\n")).toMatch(
      /dev-errors has been in ALARM since .* not caused by it/,
    );
    expect(world.reported.map((report) => report.status)).toEqual(["Succeeded"]);
  });

  it("reports Failed when a configured alarm does not exist", async () => {
    const world = arrange({
      deploymentCreatedAt,
      alarms: [{ name: ALARM_NAMES[0] as string, state: "OK", since: before }],
    });

    const result = await hooks.postTraffic(event, makeHookContext());

    expect(result.status).toBe("Failed");
    expect(result.reasons[0]).toMatch(/canary-errors does not exist/);
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
  });

  it("reports Failed when CloudWatch refuses DescribeAlarms", async () => {
    const world = arrange({ deploymentCreatedAt });
    endpoint.target("GraniteServiceVersion20100801.DescribeAlarms", () => {
      throw new FakeAwsError(
        400,
        "AccessDenied",
        "not authorized to perform cloudwatch:DescribeAlarms",
      );
    });

    const result = await hooks.postTraffic(event, makeHookContext());

    expect(result.status).toBe("Failed");
    expect(result.reasons[0]).toMatch(/the check crashed: AccessDenied: not authorized/);
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
  });

  const quietAlarms = {
    deploymentCreatedAt,
    alarms: ALARM_NAMES.map((name) => ({ name, state: "OK" as const, since: before })),
  };

  it("reports Succeeded once the Function URL moves from the old version to the new one and passes the smoke checks", async () => {
    const world = arrange(quietAlarms);
    functionUrl.serve({ labels: ["v-old", "v-new"] });

    const result = await hooks.postTraffic(event, makeHookContext());

    expect(result.status).toBe("Succeeded");
    expect(result.reasons[0]).toMatch(
      /Function URL of agnostic-lambda-core-dev serves version 8 \(v-new\) and passed 4 smoke checks/,
    );
    expect(world.reported.map((report) => report.status)).toEqual(["Succeeded"]);
    // Two looks at /health (old, then new), then the pipeline's and the service's checks.
    expect(functionUrl.requests).toEqual([
      "GET /health",
      "GET /health",
      "GET /health",
      "GET /does-not-exist",
      "POST /",
      "POST /",
    ]);
  });

  it("reports Failed when a smoke check fails at the Function URL, although no alarm fired", async () => {
    const world = arrange(quietAlarms);
    functionUrl.serve({
      labels: ["v-new"],
      behaviour: alteredHandler((result) =>
        result.statusCode === 200 && result.body.includes('"result"')
          ? { ...result, statusCode: 500 }
          : result,
      ),
    });

    const result = await hooks.postTraffic(event, makeHookContext());

    expect(result.status).toBe("Failed");
    expect(result.reasons[0]).toMatch(/serves version 8 \(v-new\) but failed the smoke checks/);
    expect(result.reasons.join("\n")).toMatch(
      /POST \/ greets the smoke user: status 500, expected 200/,
    );
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
  });

  it("reports Failed within the hook's deadline when the Function URL never reports the new version", async () => {
    const world = arrange(quietAlarms);
    functionUrl.serve({ labels: ["v-old"] });

    // 2.5 s left and a 0.5 s safety margin: the URL smoke has 2 s, one look and one 2 s wait.
    const result = await hooks.postTraffic(event, makeHookContext(2500));

    expect(result.status).toBe("Failed");
    expect(result.reasons).toHaveLength(1);
    expect(result.reasons[0]).toMatch(
      /^the check did not finish within \d+ ms \(the hook's time budget\)$/,
    );
    expect(functionUrl.requests.length).toBeGreaterThan(0);
    expect(functionUrl.requests.every((request) => request === "GET /health")).toBe(true);
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
  });

  it("gives up after the bounded number of looks when the Function URL keeps serving the old version", async () => {
    arrange();
    functionUrl.serve({ labels: ["v-old"] });
    const check = createUrlSmokeCheck(
      { ...awsPreTrafficPorts(createHookClients()), ...fetchUrlPorts() },
      {
        functionUrl: process.env.FUNCTION_URL as string,
        smokeChecks: [],
        maxAttempts: 3,
        intervalMs: 10,
      },
    );

    const outcome = await check(DEPLOYMENT_ID, new AbortController().signal);

    expect(outcome).toEqual({
      passed: false,
      reasons: [
        "the Function URL of agnostic-lambda-core-dev did not report version 8 (v-new) within 3 looks and the hook's time; last: HTTP 200, another version",
      ],
    });
    expect(functionUrl.requests).toEqual(["GET /health", "GET /health", "GET /health"]);
  });

  it("reports Failed when FUNCTION_URL is not set, instead of crashing at start-up", async () => {
    const world = arrange(quietAlarms);
    const saved = process.env.FUNCTION_URL;
    delete process.env.FUNCTION_URL;
    vi.resetModules();
    try {
      const fresh: HooksModule = await import("../../hooks/index.js");

      const result = await fresh.postTraffic(event, makeHookContext());

      expect(result.status).toBe("Failed");
      expect(result.reasons[0]).toMatch(/FUNCTION_URL must name the stage's Function URL/);
      expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
    } finally {
      process.env.FUNCTION_URL = saved;
    }
  });

  it("skips the URL smoke, saying so, when the Function URL requires AWS_IAM auth", async () => {
    const world = arrange(quietAlarms);
    process.env.FUNCTION_URL_AUTH_TYPE = "AWS_IAM";
    vi.resetModules();
    try {
      const fresh: HooksModule = await import("../../hooks/index.js");

      const result = await fresh.postTraffic(event, makeHookContext());

      expect(result.status).toBe("Succeeded");
      expect(result.reasons).toContain(
        "the Function URL requires AWS_IAM auth: the URL smoke did not run",
      );
      expect(functionUrl.requests).toEqual([]);
      expect(world.reported.map((report) => report.status)).toEqual(["Succeeded"]);
    } finally {
      delete process.env.FUNCTION_URL_AUTH_TYPE;
    }
  });

  it("reports Failed when ALARM_NAMES is not set, instead of crashing at start-up", async () => {
    const world = arrange({ deploymentCreatedAt });
    const saved = process.env.ALARM_NAMES;
    delete process.env.ALARM_NAMES;
    vi.resetModules();
    try {
      const fresh: HooksModule = await import("../../hooks/index.js");

      const result = await fresh.postTraffic(event, makeHookContext());

      expect(result.status).toBe("Failed");
      expect(result.reasons[0]).toMatch(/ALARM_NAMES must list the alarms/);
      expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
    } finally {
      process.env.ALARM_NAMES = saved;
    }
  });
});
