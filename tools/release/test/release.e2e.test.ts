/**
 * The release command end to end: `runCli` with the real AWS SDK v3 clients, pointed by the
 * standard `AWS_ENDPOINT_URL` variable at an in-process fake of the Lambda (REST-JSON),
 * CodeDeploy (awsJson 1.1) and CloudWatch (awsJson 1.0, the canary alarms) APIs. Exit codes, summaries, the AppSpec and description sent to
 * CodeDeploy, and the deployment record are asserted.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDeploymentDescription } from "@agnostic-lambda-core/delivery-records/deployment-description";
import {
  FakeAwsEndpoint,
  fakeAwsEnvironment,
  serviceUnavailable,
  throttling,
} from "@agnostic-lambda-core/fake-aws";
import { parseAppSpecTarget } from "@agnostic-lambda-core/function/delivery/hooks/appspec";
import { createPreTrafficCheck } from "@agnostic-lambda-core/function/delivery/hooks/pre-traffic";
import { createLambdaHandler } from "@agnostic-lambda-core/function/src/adapters/lambda";
import type { Core } from "@agnostic-lambda-core/function/src/core/contract";
import { ValidationError } from "@agnostic-lambda-core/function/src/core/errors";
import { defineService } from "@agnostic-lambda-core/function/src/service-definition";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { runCli } from "../cli";
import {
  canaryAlarm,
  DEPLOYMENT_ID,
  DEV,
  FakeReleaseWorld,
  type Frame,
  type ReleaseScenario,
} from "./support/fake-release-world";

const endpoint = new FakeAwsEndpoint();
const HEAD = spawnSync("git", ["log", "-1", "--format=%H %cI"], { encoding: "utf8" })
  .stdout.trim()
  .split(" ");

beforeAll(async () => {
  const url = await endpoint.start();
  Object.assign(process.env, fakeAwsEnvironment(url));
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  await endpoint.stop();
});

/** A deployments.jsonl path in a temp directory that is removed when the test ends. */
function temporaryRecordFile(): string {
  const directory = mkdtempSync(join(tmpdir(), "release-record-"));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return join(directory, "deployments.jsonl");
}

class Buffered {
  text = "";
  constructor(readonly isTTY = false) {}
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

async function release(
  argv: string[],
  scenario: ReleaseScenario = {},
  options: { tty?: boolean } = {},
) {
  const world = new FakeReleaseWorld(endpoint, scenario);
  const stdout = new Buffered(options.tty);
  const stderr = new Buffered();
  const exitCode = await runCli(argv, { env: {}, stdout, stderr, pollIntervalMs: 10 });
  return { exitCode, stdout: stdout.text, stderr: stderr.text, world };
}

const rolledBack = (code: string, message: string, status = "Failed"): Frame[] => [
  { status: "InProgress", weight: 0, events: { BeforeAllowTraffic: "InProgress" } },
  {
    status,
    weight: 0,
    events: { BeforeAllowTraffic: code === "HOOK_EXECUTION_FAILURE" ? "Failed" : "Succeeded" },
    error: { code, message },
    rollbackDeploymentId: "d-ROLLBACK001",
    rollbackMessage: "Deployment d-ROLLBACK001 rolled back the alias",
  },
];

describe("npm run release", () => {
  it("releases the latest published version and exits 0 with a summary and a progress line per change", async () => {
    const { exitCode, stdout, world } = await release(["--stage", "dev"]);

    expect(exitCode).toBe(0);
    expect(stdout).toContain(`Releasing dev: ${DEV.functionName} v7 -> v8`);
    expect(stdout).toMatch(
      /dev d-TEST0000001 \| InProgress \| traffic on v8: 10% \| BeforeAllowTraffic Succeeded, AllowTraffic InProgress, AfterAllowTraffic Pending \| \d+s\n/,
    );
    expect(stdout).toMatch(/Release succeeded: dev serves v8 \(was v7\), d-TEST0000001 in \d+s\./);
    // Non-TTY output prints one line per state, never the same state twice.
    const lines = stdout.split("\n").filter((line) => line.startsWith("dev d-"));
    expect(new Set(lines.map((line) => line.replace(/ \| \d+s$/, ""))).size).toBe(lines.length);
    expect(world.endpoint.callsOf("ListVersionsByFunction").length).toBe(3);
  });

  it("sends CodeDeploy the AppSpec (current -> target, both hooks) and a description with the commit", async () => {
    const { world } = await release(["--stage", "dev"]);

    const [create] = world.endpoint.callsOf("CreateDeployment");
    const revision = create?.json.revision as {
      revisionType: string;
      appSpecContent: { content: string };
    };
    expect(create?.json).toMatchObject({
      applicationName: DEV.applicationName,
      deploymentGroupName: DEV.deploymentGroupName,
    });
    expect(revision.revisionType).toBe("AppSpecContent");
    expect(parseAppSpecTarget(revision.appSpecContent.content)).toEqual({
      functionName: DEV.functionName,
      alias: "live",
      currentVersion: "7",
      targetVersion: "8",
    });
    expect(JSON.parse(revision.appSpecContent.content).Hooks).toEqual([
      { BeforeAllowTraffic: DEV.preTrafficHookName },
      { AfterAllowTraffic: DEV.postTrafficHookName },
    ]);
    expect(parseDeploymentDescription(create?.json.description as string)).toEqual({
      commit: HEAD[0],
      committedAt: new Date(HEAD[1] as string),
    });
  });

  it("writes the deployment record to stdout with --json and to the --record file, messages to stderr", async () => {
    const recordFile = temporaryRecordFile();

    const { exitCode, stdout, stderr } = await release([
      "--stage",
      "dev",
      "--json",
      "--record",
      recordFile,
    ]);

    expect(exitCode).toBe(0);
    expect(stderr).toContain("Release succeeded");
    const record = JSON.parse(stdout);
    expect(record).toEqual({
      type: "deployment",
      stage: "dev",
      deploymentId: DEPLOYMENT_ID,
      commit: HEAD[0],
      committedAt: new Date(HEAD[1] as string).toISOString(),
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: "succeeded",
    });
    expect(Object.keys(record)).toEqual([
      "type",
      "stage",
      "deploymentId",
      "commit",
      "committedAt",
      "startedAt",
      "finishedAt",
      "status",
    ]);
    expect(readFileSync(recordFile, "utf8")).toBe(stdout);
  });

  it("says there is nothing to release and creates no deployment when the alias already serves the target", async () => {
    const { exitCode, stdout, world } = await release(["--stage", "dev"], { aliasVersion: "8" });

    expect(exitCode).toBe(0);
    expect(stdout).toContain(
      "Nothing to release: the live alias of agnostic-lambda-core-dev already serves v8 (the latest published version).",
    );
    expect(world.endpoint.callsOf("CreateDeployment")).toHaveLength(0);
  });

  it("exits 1 and reports the rollback when the pre-traffic hook fails", async () => {
    const { exitCode, stdout } = await release(["--stage", "dev", "--json"], {
      frames: rolledBack(
        "HOOK_EXECUTION_FAILURE",
        "The deployment failed because a lifecycle hook failed.",
      ),
    });

    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      status: "rolled_back",
      deploymentId: DEPLOYMENT_ID,
    });
  });

  it("prints CodeDeploy's error and the rollback deployment when a hook fails", async () => {
    const { stdout } = await release(["--stage", "dev"], {
      frames: rolledBack(
        "HOOK_EXECUTION_FAILURE",
        "The deployment failed because a lifecycle hook failed.",
      ),
    });

    expect(stdout).toContain("Release ROLLED BACK: dev stays on v7; d-TEST0000001 failed after");
    expect(stdout).toContain("rollback deployment d-ROLLBACK001.");
    expect(stdout).toContain(
      "CodeDeploy: HOOK_EXECUTION_FAILURE: The deployment failed because a lifecycle hook failed.",
    );
    expect(stdout).toContain("BeforeAllowTraffic Failed");
  });

  it("exits 1 and names the alarm stop when a canary alarm stops the deployment", async () => {
    const { exitCode, stdout } = await release(["--stage", "dev"], {
      frames: rolledBack(
        "ALARM_ACTIVE",
        "One or more alarms have been activated: agnostic-lambda-core-dev-canary-errors",
        "Stopped",
      ),
    });

    expect(exitCode).toBe(1);
    expect(stdout).toContain("d-TEST0000001 stopped after");
    expect(stdout).toContain(
      "CodeDeploy: ALARM_ACTIVE: One or more alarms have been activated: agnostic-lambda-core-dev-canary-errors",
    );
  });

  it("exits 1 as failed when the deployment failed without a rollback", async () => {
    const { exitCode, stdout } = await release(["--stage", "dev", "--json"], {
      frames: [{ status: "Failed", error: { code: "INTERNAL_ERROR", message: "boom" } }],
    });

    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout).status).toBe("failed");
  });

  it("exits 3 after the timeout, leaves the deployment running and says how to stop it", async () => {
    const recordFile = temporaryRecordFile();

    const { exitCode, stdout } = await release(
      ["--stage", "dev", "--timeout", "1", "--record", recordFile],
      {
        frames: [
          { status: "InProgress", weight: 0.1, events: { BeforeAllowTraffic: "Succeeded" } },
        ],
      },
    );

    expect(exitCode).toBe(3);
    expect(stdout).toContain("Timed out after 1s waiting for d-TEST0000001");
    expect(stdout).toContain("The deployment keeps running.");
    expect(stdout).toContain(
      "Stop it and roll back with: npm run release -- --stage dev --stop --deployment-id d-TEST0000001",
    );
    expect(() => readFileSync(recordFile)).toThrow(/ENOENT/);
  });

  it("retries throttling and transient 5xx errors through the SDK and its own polling backoff", async () => {
    endpoint.reset();
    const world = new FakeReleaseWorld(endpoint);
    endpoint
      .failNext(
        "GetAlias",
        throttling("TooManyRequestsException"),
        throttling("TooManyRequestsException"),
      )
      .failNext("ListVersionsByFunction", serviceUnavailable())
      .failNext("CreateDeployment", throttling())
      // Seven in a row: more than the SDK's six attempts, so the poll loop must back off and retry.
      .failNext("GetDeployment", ...Array.from({ length: 7 }, () => serviceUnavailable()));
    const stdout = new Buffered();

    const exitCode = await runCli(["--stage", "dev"], {
      env: {},
      stdout,
      stderr: new Buffered(),
      pollIntervalMs: 10,
    });

    expect(exitCode).toBe(0);
    expect(stdout.text).toContain("Release succeeded");
    expect(world.endpoint.callsOf("GetAlias").map((call) => call.status)).toEqual([429, 429, 200]);
    expect(world.endpoint.callsOf("CreateDeployment").map((call) => call.status)).toEqual([
      400, 200,
    ]);
    expect(
      world.endpoint
        .callsOf("GetDeployment")
        .slice(0, 8)
        .map((call) => call.status),
    ).toEqual([503, 503, 503, 503, 503, 503, 503, 200]);
  });

  it("rewrites the progress line in place on a terminal", async () => {
    const { stdout } = await release(["--stage", "dev"], {}, { tty: true });

    expect(stdout).toContain("\r\x1b[2Kdev d-TEST0000001 | Created");
    expect(stdout).toContain("\r\x1b[2Kdev d-TEST0000001 | Succeeded | traffic on v8: 100%");
  });

  it("refuses to start while the alias is still shifting traffic", async () => {
    const { exitCode, stdout, world } = await release(["--stage", "dev"], {
      additionalWeights: { "8": 0.1 },
    });

    expect(exitCode).toBe(1);
    expect(stdout).toContain("is shifting traffic (v8 at 10%)");
    expect(world.endpoint.callsOf("CreateDeployment")).toHaveLength(0);
  });

  it("releases an older version given with --target-version and warns that the canary alarms watch another", async () => {
    const { exitCode, stdout, world } = await release(["--stage", "dev", "--target-version", "6"]);

    expect(exitCode).toBe(0);
    expect(stdout).toContain("Warning: v6 is not the latest published version (v8)");
    const revision = world.endpoint.callsOf("CreateDeployment")[0]?.json.revision as
      | { appSpecContent: { content: string } }
      | undefined;
    const content = revision?.appSpecContent.content ?? "";
    expect(parseAppSpecTarget(content).targetVersion).toBe("6");
  });

  it("resets a canary alarm left in ALARM by the old version before the apply re-pointed it, then releases the hotfix", async () => {
    const repointedAt = new Date(Date.now() - 20_000);
    const { exitCode, stdout, world } = await release(["--stage", "dev"], {
      canaryAlarms: [
        canaryAlarm(DEV.canaryErrorsAlarmName, {
          state: "ALARM",
          stateUpdatedAt: new Date(repointedAt.getTime() - 120_000),
          configurationUpdatedAt: repointedAt,
        }),
        canaryAlarm(DEV.canaryDurationAlarmName),
      ],
    });

    expect(exitCode).toBe(0);
    expect(world.endpoint.callsOf("SetAlarmState").map((call) => call.json)).toEqual([
      {
        AlarmName: DEV.canaryErrorsAlarmName,
        StateValue: "OK",
        StateReason: `release dev v7 -> v8, commit ${HEAD[0]?.slice(0, 12)}: alarm re-pointed at version 8; the old version's state does not apply`,
      },
    ]);
    expect(stdout).toContain(`Reset ${DEV.canaryErrorsAlarmName} from ALARM to OK`);
    // The reset happens before CodeDeploy can look at the alarm.
    const operations = world.endpoint.calls.map((call) => call.operation);
    expect(operations.indexOf("SetAlarmState")).toBeLessThan(
      operations.indexOf("CreateDeployment"),
    );
    expect(world.canaryAlarms.map((alarm) => alarm.state)).toEqual(["OK", "OK"]);
    expect(stdout).toMatch(/Release succeeded: dev serves v8/);
  });

  it("exits 1 without creating a deployment when a canary alarm went into ALARM about the target after it was re-pointed", async () => {
    const repointedAt = new Date(Date.now() - 600_000);
    const { exitCode, stdout, world } = await release(["--stage", "dev"], {
      canaryAlarms: [
        canaryAlarm(DEV.canaryErrorsAlarmName),
        canaryAlarm(DEV.canaryDurationAlarmName, {
          state: "ALARM",
          stateUpdatedAt: new Date(repointedAt.getTime() + 240_000),
          configurationUpdatedAt: repointedAt,
        }),
      ],
    });

    expect(exitCode).toBe(1);
    expect(stdout).toContain(
      `Not releasing: ${DEV.canaryDurationAlarmName} is in ALARM about v8 itself`,
    );
    expect(world.endpoint.callsOf("CreateDeployment")).toHaveLength(0);
    expect(world.endpoint.callsOf("SetAlarmState")).toHaveLength(0);
  });

  it("leaves OK canary alarms alone", async () => {
    const { exitCode, world } = await release(["--stage", "dev"]);

    expect(exitCode).toBe(0);
    expect(world.endpoint.callsOf("DescribeAlarms")[0]?.json.AlarmNames).toEqual([
      DEV.canaryErrorsAlarmName,
      DEV.canaryDurationAlarmName,
    ]);
    expect(world.endpoint.callsOf("SetAlarmState")).toHaveLength(0);
  });

  it("resets, with a warning, a canary alarm in ALARM about another version than --target-version", async () => {
    const { exitCode, stdout, world } = await release(["--stage", "dev", "--target-version", "6"], {
      canaryAlarms: [
        canaryAlarm(DEV.canaryErrorsAlarmName, { state: "ALARM" }),
        canaryAlarm(DEV.canaryDurationAlarmName),
      ],
    });

    expect(exitCode).toBe(0);
    expect(stdout).toContain(
      `Warning: the canary alarms do not watch this target: ${DEV.canaryErrorsAlarmName} watches v8, not v6.`,
    );
    expect(world.endpoint.callsOf("SetAlarmState").map((call) => call.json.AlarmName)).toEqual([
      DEV.canaryErrorsAlarmName,
    ]);
    expect(world.endpoint.callsOf("CreateDeployment")).toHaveLength(1);
  });

  it("exits 2 when --target-version is not a published version", async () => {
    const { exitCode, stderr, world } = await release(["--stage", "dev", "--target-version", "9"]);

    expect(exitCode).toBe(2);
    expect(stderr).toContain(
      "--target-version 9 is not a published version of agnostic-lambda-core-dev (published: 1, 2, 3, 4, 5, 6, 7, 8)",
    );
    expect(world.endpoint.callsOf("CreateDeployment")).toHaveLength(0);
  });

  it("exits 2 with a hint when the stage's function does not exist", async () => {
    const { exitCode, stderr } = await release(["--stage", "dev"], { functionMissing: true });

    expect(exitCode).toBe(2);
    expect(stderr).toContain("ResourceNotFoundException: Function not found");
    expect(stderr).toContain("that the dev stack is deployed (npm run deploy -- --stage dev)");
  });

  it.each([
    [["--stage", "qa"], '--stage must be one of dev, test, prod, got "qa"'],
    [[], "--stage is required"],
    [
      ["--stage", "dev", "--target-version", "latest"],
      '--target-version must be a published version number (1, 2, ...), got "latest"',
    ],
    [["--stage", "dev", "--timeout", "-5"], "--timeout"],
    [
      ["--stage", "dev", "--timeout", "0"],
      '--timeout must be a whole number of seconds from 1 to 86400, got "0"',
    ],
    [["--stage", "dev", "--no-wait", "--json"], "cannot be combined with --no-wait"],
    [
      ["--stage", "dev", "--stop", "--target-version", "3"],
      "--target-version cannot be combined with --stop",
    ],
    [["--stage", "dev", "--deployment-id", "d-ABC"], "--deployment-id is only used with --stop"],
    [["--stage", "dev", "--bogus"], "Unknown option '--bogus'"],
  ])("exits 2 on bad arguments %j", async (argv, message) => {
    const { exitCode, stderr, world } = await release(argv);

    expect(exitCode).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain("Usage:");
    expect(world.endpoint.calls).toHaveLength(0);
  });

  it("creates the deployment and exits 0 without following it with --no-wait", async () => {
    const { exitCode, stdout, world } = await release(["--stage", "dev", "--no-wait"]);

    expect(exitCode).toBe(0);
    expect(stdout).toContain("Not waiting (--no-wait)");
    expect(world.endpoint.callsOf("CreateDeployment")).toHaveLength(1);
    expect(world.endpoint.callsOf("GetDeployment")).toHaveLength(0);
  });
});

describe("npm run release -- --stop", () => {
  it("stops the stage's active deployment with rollback", async () => {
    const { exitCode, stdout, world } = await release(["--stage", "dev", "--stop"], {
      activeDeployments: [DEPLOYMENT_ID],
    });

    expect(exitCode).toBe(0);
    expect(world.endpoint.callsOf("StopDeployment")[0]?.json).toEqual({
      deploymentId: DEPLOYMENT_ID,
      autoRollbackEnabled: true,
    });
    expect(stdout).toContain("Stop requested for d-TEST0000001: Pending (Stop request is pending)");
  });

  it("says there is nothing to stop when no deployment is running", async () => {
    const { exitCode, stdout, world } = await release(["--stage", "dev", "--stop"]);

    expect(exitCode).toBe(0);
    expect(stdout).toContain(
      "Nothing to stop: no deployment of agnostic-lambda-core-dev-live is running.",
    );
    expect(world.endpoint.callsOf("StopDeployment")).toHaveLength(0);
  });
});

describe("the release entry point", () => {
  it("runs as `npm run release` does, reading the endpoint from AWS_ENDPOINT_URL, and prints the record with --json", async () => {
    new FakeReleaseWorld(endpoint, { frames: [{ status: "Succeeded", weight: 1 }] });

    // The child process needs the event loop free to reach the fake endpoint in this process.
    const child = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const process_ = spawn(
          process.execPath,
          ["--import", "tsx", "tools/release/cli.ts", "--stage", "dev", "--json"],
          {
            env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
          },
        );
        let out = "";
        let err = "";
        process_.stdout.on("data", (chunk) => (out += chunk));
        process_.stderr.on("data", (chunk) => (err += chunk));
        process_.on("close", (status) => resolve({ status, stdout: out, stderr: err }));
      },
    );

    expect(child.stderr).toContain("Release succeeded: dev serves v8");
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toMatchObject({
      type: "deployment",
      stage: "dev",
      status: "succeeded",
    });
  });
});

describe("npm run release of a custom service", () => {
  // The fake CodeDeploy runs the BeforeAllowTraffic hook's real check (the smoke-check runner
  // with the service's own checks) on the AppSpec the release sent, against the target
  // version's real Lambda handler; the hook's verdict decides, as in AWS, whether the traffic
  // shifts or the deployment rolls back.
  /** A custom async core: looks a price up through its port before answering. */
  function priceCore(priceOf: (sku: string) => Promise<number>): Core {
    return async (payload) => {
      if (typeof payload.sku !== "string") {
        throw new ValidationError("sku", '"sku" must be a string');
      }
      return { sku: payload.sku, priceCents: await priceOf(payload.sku) };
    };
  }

  /** The service a user declares in function/src/service.ts instead of the greeting. */
  const priceService = defineService({
    createCore: () => priceCore(async () => 1250),
    smokeChecks: [
      {
        name: "POST / prices the smoke SKU",
        request: { method: "POST", path: "/", body: { sku: "smoke-sku" } },
        expect: {
          status: 200,
          body: { result: { sku: "smoke-sku" } },
          satisfies: (body) => {
            const price = (body.result as { priceCents?: unknown }).priceCents;
            return typeof price === "number" && price > 0
              ? undefined
              : "result.priceCents is not positive";
          },
        },
      },
    ],
  });

  /** What the pre-traffic hook does in AWS, with the version answering through `core`. */
  function preTrafficHook(core: Core) {
    const handler = createLambdaHandler(core, {
      version: "v-new",
      logger: { request: () => undefined, unexpectedError: () => undefined, core: () => undefined },
    });
    return async (appSpec: string): Promise<boolean> => {
      const check = createPreTrafficCheck(
        {
          deploymentAppSpec: async () => appSpec,
          versionLabel: async () => "v-new",
          invoke: async (_functionName, version, event) => ({
            functionError: undefined,
            executedVersion: version,
            payload: JSON.stringify(
              await handler(
                event as never,
                {
                  awsRequestId: "smoke",
                  getRemainingTimeInMillis: () => 10_000,
                } as never,
              ),
            ),
          }),
        },
        priceService.smokeChecks,
      );
      const outcome = await check(DEPLOYMENT_ID, new AbortController().signal);
      return outcome.passed;
    };
  }

  it("releases the version that passes the service's own smoke checks", async () => {
    const { exitCode, stdout } = await release(["--stage", "dev", "--json"], {
      beforeAllowTraffic: preTrafficHook(priceService.createCore({})),
    });

    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: "succeeded", deploymentId: DEPLOYMENT_ID });
  });

  it("rolls back the version whose answers fail the service's smoke checks", async () => {
    const { exitCode, stdout } = await release(["--stage", "dev", "--json"], {
      beforeAllowTraffic: preTrafficHook(priceCore(async () => 0)),
    });

    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      status: "rolled_back",
      deploymentId: DEPLOYMENT_ID,
    });
  });
});
