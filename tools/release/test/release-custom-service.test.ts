/**
 * A release of a custom service, end to end in the fake AWS world: `runCli` with the real SDK
 * clients drives the fake CodeDeploy, which runs the BeforeAllowTraffic hook's real check (the
 * smoke-check runner with the service's own checks) on the AppSpec the release sent, against
 * the target version's real Lambda handler. The hook's verdict decides, as in AWS, whether the
 * traffic shifts or the deployment rolls back.
 */
import { FakeAwsEndpoint, fakeAwsEnvironment } from "@agnostic-lambda-core/fake-aws";
import { createPreTrafficCheck } from "@agnostic-lambda-core/function/delivery/hooks/pre-traffic";
import { createLambdaHandler } from "@agnostic-lambda-core/function/src/adapters/lambda";
import type { Core } from "@agnostic-lambda-core/function/src/core/contract";
import { ValidationError } from "@agnostic-lambda-core/function/src/core/errors";
import { defineService } from "@agnostic-lambda-core/function/src/service-definition";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli";
import { DEPLOYMENT_ID, FakeReleaseWorld } from "./support/fake-release-world";

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

class Buffered {
  text = "";
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

const endpoint = new FakeAwsEndpoint();

beforeAll(async () => {
  const url = await endpoint.start();
  Object.assign(process.env, fakeAwsEnvironment(url));
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  await endpoint.stop();
});

async function release(core: Core) {
  new FakeReleaseWorld(endpoint, { beforeAllowTraffic: preTrafficHook(core) });
  const stdout = new Buffered();
  const stderr = new Buffered();
  const exitCode = await runCli(["--stage", "dev", "--json"], {
    env: {},
    stdout,
    stderr,
    pollIntervalMs: 10,
  });
  return { exitCode, record: JSON.parse(stdout.text) as Record<string, unknown> };
}

describe("releasing a custom service", () => {
  it("releases the version that passes the service's own smoke checks", async () => {
    const { exitCode, record } = await release(priceService.createCore({}));

    expect(exitCode).toBe(0);
    expect(record).toMatchObject({ status: "succeeded", deploymentId: DEPLOYMENT_ID });
  });

  it("rolls back the version whose answers fail the service's smoke checks", async () => {
    const { exitCode, record } = await release(priceCore(async () => 0));

    expect(exitCode).toBe(1);
    expect(record).toMatchObject({ status: "rolled_back", deploymentId: DEPLOYMENT_ID });
  });
});
