/**
 * The hooks' pure checks: AppSpec reading (JSON and YAML), the smoke-response verdict on
 * untrusted payloads, and the alarm verdict.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "../../../src/http/headers.js";
import { AppSpecError, parseAppSpecTarget } from "../../hooks/appspec.js";
import { describeError, runLifecycleHook } from "../../hooks/lifecycle.js";
import { evaluateAlarms } from "../../hooks/post-traffic.js";
import { invocationToDelivery } from "../../hooks/pre-traffic.js";
import { checkSmokeAnswer, PIPELINE_SMOKE_CHECKS } from "../../hooks/smoke.js";
import { makeAppSpec } from "./support/fake-deployment.js";

const YAML_APPSPEC = `version: 0.0
Resources:
  - api:
      Type: AWS::Lambda::Function
      Properties:
        Name: "agnostic-lambda-core-prod"
        Alias: "live"
        CurrentVersion: 11
        TargetVersion: "12"
Hooks:
  - BeforeAllowTraffic: "agnostic-lambda-core-prod-pre-traffic"
`;

describe("parseAppSpecTarget", () => {
  it("reads the function, alias and versions of a JSON AppSpec", () => {
    expect(parseAppSpecTarget(makeAppSpec({ currentVersion: "3", targetVersion: "4" }))).toEqual({
      functionName: "agnostic-lambda-core-dev",
      alias: "live",
      currentVersion: "3",
      targetVersion: "4",
    });
  });

  it("reads a YAML AppSpec, unquoted version numbers included", () => {
    expect(parseAppSpecTarget(YAML_APPSPEC)).toEqual({
      functionName: "agnostic-lambda-core-prod",
      alias: "live",
      currentVersion: "11",
      targetVersion: "12",
    });
  });

  it.each([
    ["{not yaml: [", /neither JSON nor YAML/],
    ['"just text"', /must be an object/],
    ['{"version":0.0,"Resources":[]}', /exactly one Lambda function/],
    [
      '{"Resources":[{"api":{"Type":"AWS::ECS::Service","Properties":{}}}]}',
      /Type must be AWS::Lambda::Function/,
    ],
    [makeAppSpec({ targetVersion: "$LATEST" }), /TargetVersion must be a published version number/],
  ])("rejects %j naming the problem", (content, message) => {
    expect(() => parseAppSpecTarget(content)).toThrow(AppSpecError);
    expect(() => parseAppSpecTarget(content)).toThrow(message);
  });
});

describe("checkSmokeAnswer and invocationToDelivery", () => {
  const expected = { version: "v-new" };
  const health = PIPELINE_SMOKE_CHECKS[0];
  if (!health) throw new Error("the pipeline's smoke checks start with GET /health");
  const check = (payload: string) => {
    const delivery = invocationToDelivery(
      { functionError: undefined, executedVersion: "8", payload },
      "8",
    );
    return [
      ...delivery.problems,
      ...(delivery.answer ? checkSmokeAnswer(health, delivery.answer, expected) : []),
    ];
  };

  it("finds nothing wrong in a contract-true health answer", () => {
    const payload = JSON.stringify({
      statusCode: 200,
      headers: { ...SECURITY_HEADERS, "Content-Type": "application/json" },
      body: JSON.stringify({ status: "ok", version: "v-new" }),
    });

    expect(check(payload)).toEqual([]);
  });

  it("flags an answer from another version than the target", () => {
    const delivery = invocationToDelivery(
      { functionError: undefined, executedVersion: "7", payload: "{}" },
      "8",
    );

    expect(delivery.problems).toEqual(["ran version 7, expected 8"]);
  });

  it("gives nothing to check when the function failed", () => {
    expect(
      invocationToDelivery(
        { functionError: "Unhandled", executedVersion: "8", payload: "{}" },
        "8",
      ),
    ).toEqual({ answer: undefined, problems: ["the function failed (Unhandled)"] });
  });

  it.each([
    // fast-check's counterexample (seed -857133172): String() of it throws a TypeError.
    ['{"statusCode":{"toString":null}}', "status is an object, expected 200"],
    ['{"statusCode":{"valueOf":null,"toString":null}}', "status is an object, expected 200"],
    ['{"statusCode":["200"]}', "status is an array, expected 200"],
    ['{"statusCode":"200"}', "status is a string, expected 200"],
    ['{"statusCode":null}', "status is null, expected 200"],
    ["{}", "status is missing, expected 200"],
    ['{"statusCode":503}', "status 503, expected 200"],
  ])("describes the status of %s by its type, never by converting it", (payload, finding) => {
    expect(check(payload)).toContain(`GET /health: ${finding}`);
  });

  it("flags body fields named like Object.prototype's keys as outside the pipeline's contract", () => {
    const payload = JSON.stringify({
      statusCode: 200,
      headers: SECURITY_HEADERS,
      body: JSON.stringify({ status: "ok", version: "v-new", toString: 1, constructor: 2 }),
    });

    expect(check(payload)).toEqual([
      "GET /health: body.toString is not in the contract; body.constructor is not in the contract",
    ]);
  });

  it("never throws and always finds a problem in arbitrary payloads", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc
            .record({
              statusCode: fc.anything(),
              headers: fc.anything(),
              body: fc.oneof(fc.string(), fc.json(), fc.anything()),
            })
            .map((value) => JSON.stringify(value) ?? ""),
        ),
        (payload) => {
          expect(check(payload).length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("describeError", () => {
  it.each([
    [new TypeError("boom"), "TypeError: boom"],
    ["plain text", "plain text"],
    [Object.create(null), "a thrown object (not an Error)"],
    [{ toString: null }, "a thrown object (not an Error)"],
    [undefined, "a thrown undefined (not an Error)"],
    [null, "a thrown null (not an Error)"],
  ])("describes %o without converting it", (error, description) => {
    expect(describeError(error)).toBe(description);
  });
});

describe("runLifecycleHook", () => {
  it("reports Failed when the check throws a value that has no text form", async () => {
    const reported: string[] = [];

    const result = await runLifecycleHook({
      hook: "BeforeAllowTraffic",
      event: { DeploymentId: "d-ABCDEF123", LifecycleEventHookExecutionId: "execution-1" },
      remainingTimeMs: () => 60_000,
      safetyMarginMs: 3000,
      check: async () => {
        throw Object.create(null);
      },
      report: async (_event, status) => {
        reported.push(status);
      },
      log: { info: () => {}, error: () => {} },
    });

    expect(reported).toEqual(["Failed"]);
    expect(result.reasons).toEqual(["the check crashed: a thrown object (not an Error)"]);
  });
});

describe("evaluateAlarms", () => {
  const start = new Date("2026-03-02T09:00:00Z");

  it("fails on an alarm that entered ALARM at the very moment the deployment started", () => {
    const outcome = evaluateAlarms(["a"], [{ name: "a", state: "ALARM", since: start }], start);

    expect(outcome.passed).toBe(false);
  });

  it("fails on an alarm in ALARM whose transition time is unknown", () => {
    const outcome = evaluateAlarms(["a"], [{ name: "a", state: "ALARM", since: undefined }], start);

    expect(outcome).toEqual({
      passed: false,
      reasons: ["alarm a went into ALARM during the deployment"],
    });
  });
});
