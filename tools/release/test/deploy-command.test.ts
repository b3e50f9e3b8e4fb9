/**
 * `npm run deploy`: `runDeploy` with the real AWS SDK clients of the preflight (STS, Service
 * Quotas, Lambda) pointed by `AWS_ENDPOINT_URL` at the in-process fake endpoint; `cdktf` and the
 * release are ports recorded by the test. One test runs the real command in a process without
 * credentials.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeAwsEndpoint, FakeAwsError, fakeAwsEnvironment } from "@agnostic-lambda-core/fake-aws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PROJECT, STAGES } from "../../../stacks/config";
import { USAGE as RELEASE_USAGE } from "../args";
import { createAwsAccountApi } from "../aws-account-api";
import { DEPLOY_USAGE, runDeploy } from "../deploy-command";
import { type AccountScenario, serveAccount } from "./support/fake-account-world";

const endpoint = new FakeAwsEndpoint();
let home: string;
let fakeEnvironment: Record<string, string>;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "deploy-command-"));
  fakeEnvironment = {
    ...fakeAwsEnvironment(await endpoint.start()),
    // No shared config or credentials files: only what a test puts in the environment counts.
    AWS_CONFIG_FILE: join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
  };
  Object.assign(process.env, fakeEnvironment);
  delete process.env.AWS_PROFILE;
});

afterEach(() => {
  endpoint.reset();
  Object.assign(process.env, fakeEnvironment);
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  await endpoint.stop();
  rmSync(home, { recursive: true, force: true });
});

async function deploy(
  argv: readonly string[],
  scenario: AccountScenario | undefined,
  exits: { cdktf?: number; release?: number } = {},
) {
  if (scenario) serveAccount(endpoint, scenario);
  const calls = { cdktf: [] as (readonly string[])[], release: [] as (readonly string[])[] };
  let stderr = "";
  const exitCode = await runDeploy(argv, {
    cdktf: async (args) => {
      calls.cdktf.push(args);
      return exits.cdktf ?? 0;
    },
    release: async (releaseArgv) => {
      calls.release.push(releaseArgv);
      return exits.release ?? 0;
    },
    accountApi: (config) => createAwsAccountApi({ region: config.account.region, maxAttempts: 1 }),
    env: process.env,
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { exitCode, calls, stderr, operations: endpoint.calls.map((call) => call.operation) };
}

const DEV = STAGES.dev.account.id;
const TEST = STAGES.test.account.id;
const PROD = STAGES.prod.account.id;

describe("npm run deploy", () => {
  it("checks the account, applies the stage with cdktf deploy, then releases with the same options", async () => {
    const { exitCode, calls, stderr, operations } = await deploy(
      ["--stage", "test", "--auto-approve", "--timeout", "900"],
      { account: TEST },
    );

    expect(exitCode).toBe(0);
    expect(operations).toEqual(["GetCallerIdentity", "GetServiceQuota"]);
    expect(calls.cdktf).toEqual([["deploy", "test", "--auto-approve"]]);
    expect(calls.release).toEqual([["--stage", "test", "--timeout", "900"]]);
    expect(stderr).toContain(`credentials: arn:aws:sts::${TEST}:assumed-role/`);
    expect(stderr).toContain(
      "concurrency: Lambda concurrency quota 1000 (Service Quotas lambda/L-B99A9384) holds the 50 test reserves + 100 unreserved",
    );
  });

  it("returns the release's exit code (a rollback is 1)", async () => {
    const { exitCode } = await deploy(["--stage", "prod"], { account: PROD }, { release: 1 });

    expect(exitCode).toBe(1);
  });

  it("releases nothing and exits 1 when cdktf deploy fails", async () => {
    const { exitCode, calls, stderr } = await deploy(
      ["--stage", "dev"],
      { account: DEV },
      { cdktf: 1 },
    );

    expect(exitCode).toBe(1);
    expect(calls.release).toHaveLength(0);
    expect(stderr).toContain("cdktf deploy dev failed (exit 1); nothing was released.");
  });
});

describe("npm run deploy refuses bad usage with its own usage", () => {
  it.each([
    [["--stage", "nope"], '--stage must be one of dev, test, prod, got "nope"'],
    [["--stage", "dev", "--stop"], "--stop is a release option"],
    [["--timeout", "5"], "--stage is required"],
    [["--stage", "dev", "--colour"], "--colour"],
  ])("exits 2 without a call to AWS on %j", async (argv, message) => {
    const { exitCode, calls, stderr, operations } = await deploy(argv, undefined);

    expect(exitCode).toBe(2);
    expect(operations).toEqual([]);
    expect(calls.cdktf).toHaveLength(0);
    expect(stderr).toMatch(/^error: /);
    expect(stderr).toContain(message);
    expect(stderr).toContain(DEPLOY_USAGE);
    expect(stderr).not.toContain(RELEASE_USAGE);
  });

  it("prints its usage on --help and exits 0", async () => {
    const { exitCode, stderr, operations } = await deploy(["--help"], undefined);

    expect(exitCode).toBe(0);
    expect(operations).toEqual([]);
    expect(stderr).toContain("npm run deploy -- --stage <dev|test|prod> [--auto-approve]");
  });
});

describe("npm run deploy refuses credentials of the wrong account before anything else", () => {
  it("refuses when there are no credentials, naming the account and how to get them", async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;

    const { exitCode, calls, stderr, operations } = await deploy(["--stage", "dev"], {
      account: DEV,
    });

    expect(exitCode).toBe(2);
    expect(operations).toEqual([]);
    expect(calls.cdktf).toHaveLength(0);
    expect(stderr).toContain("error: no AWS credentials were found (CredentialsProviderError");
    expect(stderr).toContain(`stage dev deploys to account ${DEV} (${PROJECT.region})`);
    expect(stderr).toContain(`aws sso login --profile <profile of account ${DEV}>`);
    expect(stderr).toContain(
      `the stage's deploy role arn:aws:iam::${DEV}:role/agnostic-lambda-core-dev-ci-deploy`,
    );
    expect(stderr).toContain("Nothing was synthesized or applied.");
  });

  it("names the profile in use in the login hint", async () => {
    process.env.AWS_PROFILE = "dev-admin";
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;

    const { exitCode, stderr } = await deploy(["--stage", "dev"], { account: DEV });

    expect(exitCode).toBe(2);
    expect(stderr).toContain("aws sso login --profile dev-admin");
    expect(stderr).toContain("AWS_PROFILE=dev-admin npm run deploy -- --stage dev");
  });

  it("refuses credentials of another account, naming both accounts", async () => {
    const { exitCode, calls, stderr, operations } = await deploy(["--stage", "prod"], {
      account: DEV,
    });

    expect(exitCode).toBe(2);
    expect(operations).toEqual(["GetCallerIdentity"]);
    expect(calls.cdktf).toHaveLength(0);
    expect(stderr).toContain(
      `error: the AWS credentials are for account ${DEV} (arn:aws:sts::${DEV}:assumed-role/`,
    );
    expect(stderr).toContain(`but stage prod deploys to account ${PROD}`);
  });

  it("refuses expired credentials with AWS's reason", async () => {
    const { exitCode, stderr } = await deploy(["--stage", "test"], {
      account: TEST,
      identityError: new FakeAwsError(
        403,
        "ExpiredToken",
        "The security token included in the request is expired",
      ),
    });

    expect(exitCode).toBe(2);
    expect(stderr).toContain(
      "error: AWS refused the credentials (ExpiredToken: The security token",
    );
    expect(stderr).toContain(`Get credentials for account ${TEST}`);
  });
});

describe("npm run deploy checks the Lambda concurrency quota against the stage's reservations", () => {
  it("refuses a quota below the reservation + 100, with the numbers and the increase to request", async () => {
    const { exitCode, calls, stderr } = await deploy(["--stage", "prod"], {
      account: PROD,
      quota: 250,
    });

    expect(exitCode).toBe(2);
    expect(calls.cdktf).toHaveLength(0);
    expect(stderr).toContain(
      `error: account ${PROD} cannot hold the concurrency stage prod reserves:`,
    );
    expect(stderr).toContain("quota (Service Quotas lambda/L-B99A9384): 250");
    expect(stderr).toContain("reserved by prod (function.reservedConcurrency): 200");
    expect(stderr).toContain("kept unreserved by AWS: 100");
    expect(stderr).toContain("needed: 300");
    expect(stderr).toContain(
      `aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 300 --region ${PROJECT.region}`,
    );
    expect(stderr).toContain(
      "lower function.reservedConcurrency of prod in stacks/config.ts to at most 150",
    );
  });

  it("accepts a quota of exactly the reservation + 100", async () => {
    const { exitCode, calls } = await deploy(["--stage", "prod"], { account: PROD, quota: 300 });

    expect(exitCode).toBe(0);
    expect(calls.cdktf).toHaveLength(1);
  });

  it("asks for the quota in the right terms", async () => {
    await deploy(["--stage", "prod"], { account: PROD });

    expect(endpoint.callsOf("GetServiceQuota").map((call) => call.json)).toEqual([
      { ServiceCode: "lambda", QuotaCode: "L-B99A9384" },
    ]);
  });

  it("falls back to Lambda's account settings when Service Quotas is not allowed", async () => {
    const { exitCode, stderr, operations } = await deploy(["--stage", "prod"], {
      account: PROD,
      quota: new FakeAwsError(
        400,
        "AccessDeniedException",
        "not authorized to perform servicequotas:GetServiceQuota",
      ),
      lambdaLimit: 10,
    });

    expect(operations).toEqual(["GetCallerIdentity", "GetServiceQuota", "GetAccountSettings"]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("quota (Lambda GetAccountSettings): 10");
    expect(stderr).toContain("needed: 300");
    expect(stderr).toContain("the quota leaves nothing to reserve until it is raised");
  });

  it("warns and goes on when neither can be read", async () => {
    const denied = new FakeAwsError(400, "AccessDeniedException", "denied");

    const { exitCode, calls, stderr } = await deploy(["--stage", "prod"], {
      account: PROD,
      quota: denied,
      lambdaLimit: new FakeAwsError(403, "AccessDeniedException", "denied"),
    });

    expect(exitCode).toBe(0);
    expect(calls.cdktf).toHaveLength(1);
    expect(stderr).toContain(
      `warning: could not read the Lambda concurrency quota of account ${PROD} (Service Quotas: AccessDeniedException: denied; Lambda: AccessDeniedException: denied); prod reserves 200, so the account needs a quota of at least 300`,
    );
  });

  it("deploys a stage that reserves nothing on a new account's quota, saying which alarm setting to fix", async () => {
    const { exitCode, calls, stderr } = await deploy(["--stage", "dev"], {
      account: DEV,
      quota: 10,
    });

    expect(exitCode).toBe(0);
    expect(calls.cdktf).toHaveLength(1);
    expect(stderr).toContain(
      "concurrency: Lambda concurrency quota 10 (Service Quotas lambda/L-B99A9384); dev reserves none",
    );
    expect(stderr).toContain(
      "warning: alarms.accountConcurrencyLimit of dev is 1000, but the account's quota is 10: set it to 10 in stacks/config.ts",
    );
  });
});

describe("npm run deploy in a real process", () => {
  it("refuses a deploy without credentials before synthesizing anything", () => {
    const emptyHome = mkdtempSync(join(tmpdir(), "deploy-no-credentials-"));
    try {
      const result = spawnSync(
        process.execPath,
        ["--import", "tsx", "tools/release/deploy.ts", "--stage", "dev"],
        {
          encoding: "utf8",
          // A bound for a hung process, not a performance assertion (the README has the timing).
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            HOME: emptyHome,
            AWS_CONFIG_FILE: join(emptyHome, "config"),
            AWS_SHARED_CREDENTIALS_FILE: join(emptyHome, "credentials"),
            // Deterministic on an EC2 or Azure runner: no instance role may answer for the test.
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_ENDPOINT_URL: endpoint.url,
          },
        },
      );

      expect(result.signal).toBeNull();
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("error: no AWS credentials were found");
      expect(result.stderr).toContain(`stage dev deploys to account ${DEV}`);
      expect(result.stderr).toContain("aws sso login --profile");
      expect(result.stderr).not.toContain("$ cdktf");
      expect(endpoint.calls).toEqual([]);
    } finally {
      rmSync(emptyHome, { recursive: true, force: true });
    }
  });
});
