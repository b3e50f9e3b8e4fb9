/**
 * The app owns its smoke test: with function/src/service.ts replaced by another service (an
 * async stock core with its own smoke checks), the real pre-traffic hook, real SDK clients and
 * the in-process fake AWS pass the version that answers that service's checks and fail (so
 * CodeDeploy rolls back) the version that does not. The greeting's checks play no part.
 */

import { FakeAwsEndpoint, fakeAwsEnvironment } from "@agnostic-lambda-core/fake-aws";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Core } from "../../../src/core/contract.js";
import { ValidationError } from "../../../src/core/errors.js";
import { defineService } from "../../../src/service-definition.js";
import { captureProcessOutput } from "../../../test/support/output.js";
import {
  coreBehaviour,
  FakeDeploymentWorld,
  makeHookContext,
  makeLifecycleHookEvent,
} from "./support/fake-deployment.js";

type HooksModule = typeof import("../../hooks/index.js");

/** A stock lookup: the kind of async core a real service has, behind a port. */
function stockCore(inStock: (sku: string) => Promise<boolean>): Core {
  return async (payload) => {
    const sku = payload.sku;
    if (typeof sku !== "string") throw new ValidationError("sku", '"sku" must be a string');
    return { sku, inStock: await inStock(sku) };
  };
}

const stockService = defineService({
  createCore: () => stockCore(async () => true),
  smokeChecks: [
    {
      name: "POST / reports the smoke SKU in stock",
      request: { method: "POST", path: "/", body: { sku: "smoke-sku" } },
      expect: { status: 200, body: { result: { sku: "smoke-sku", inStock: true } } },
    },
    {
      name: "POST / refuses a request without sku",
      request: { method: "POST", path: "/", body: {} },
      expect: {
        status: 422,
        satisfies: (body) => (body.field === "sku" ? undefined : "body.field does not name sku"),
      },
    },
  ],
});

const endpoint = new FakeAwsEndpoint();
let hooks: HooksModule;

beforeAll(async () => {
  const url = await endpoint.start();
  Object.assign(process.env, fakeAwsEnvironment(url), { HOOK_SAFETY_MARGIN_MS: "500" });
  vi.resetModules();
  // What a user does to change the business logic: replace the service declaration.
  vi.doMock("../../../src/service.js", () => ({ service: stockService }));
  hooks = await import("../../hooks/index.js");
});

afterAll(async () => {
  vi.doUnmock("../../../src/service.js");
  vi.resetModules();
  await endpoint.stop();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the pre-traffic hook of a custom service", () => {
  it("passes the version that answers the service's own smoke checks", async () => {
    const logs = captureProcessOutput();
    const world = new FakeDeploymentWorld(endpoint, {
      versions: { "8": { label: "v-new", behaviour: coreBehaviour(stockService.createCore({})) } },
    });

    const result = await hooks.preTraffic(makeLifecycleHookEvent(), makeHookContext());

    expect(result.status).toBe("Succeeded");
    expect(result.reasons).toEqual([
      "agnostic-lambda-core-dev version 8 (v-new) passed 4 smoke checks",
    ]);
    expect(world.reported.map((report) => report.status)).toEqual(["Succeeded"]);
    expect(world.invokedEvents).toMatchObject([
      { rawPath: "/health" },
      { rawPath: "/does-not-exist" },
      { rawPath: "/", body: '{"sku":"smoke-sku"}' },
      { rawPath: "/", body: "{}" },
    ]);
    expect(logs.join("")).not.toContain("smoke-test");
  });

  it("fails, so CodeDeploy rolls back, the version whose answers break the service's checks", async () => {
    captureProcessOutput();
    const broken = stockCore(async () => false);
    const world = new FakeDeploymentWorld(endpoint, {
      versions: { "8": { label: "v-new", behaviour: coreBehaviour(broken) } },
    });

    const result = await hooks.preTraffic(makeLifecycleHookEvent(), makeHookContext());

    expect(result.status).toBe("Failed");
    expect(result.reasons).toEqual([
      "agnostic-lambda-core-dev version 8 (v-new) failed the smoke checks",
      "POST / reports the smoke SKU in stock: body.result.inStock differs from the check",
    ]);
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
  });

  it("fails the version that still runs the greeting: its checks are the service's, not the greeting's", async () => {
    captureProcessOutput();
    const { greetingCore } = await import("../../../src/core/greeting.js");
    const world = new FakeDeploymentWorld(endpoint, {
      versions: { "8": { label: "v-new", behaviour: coreBehaviour(greetingCore) } },
    });

    const result = await hooks.preTraffic(makeLifecycleHookEvent(), makeHookContext());

    expect(result.status).toBe("Failed");
    expect(result.reasons).toContain(
      "POST / reports the smoke SKU in stock: body.result.sku is missing",
    );
    expect(result.reasons).toContain(
      "POST / refuses a request without sku: status 200, expected 422",
    );
    expect(world.reported.map((report) => report.status)).toEqual(["Failed"]);
  });
});
