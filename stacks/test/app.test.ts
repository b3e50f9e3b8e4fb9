import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../app";
import { PROJECT, type StageConfig, StageConfigError, type StageName } from "../config";
import { makeStageConfig } from "./support/synth";

const outdirs: string[] = [];
function temporaryOutdir(): string {
  const outdir = mkdtempSync(join(tmpdir(), "cdktf-app-test-"));
  outdirs.push(outdir);
  return outdir;
}
afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

/** Builds the app with one stage's config replaced and returns the error it stops with. */
function buildWith(stage: StageName, config: StageConfig): StageConfigError {
  try {
    buildApp({ outdir: temporaryOutdir(), env: {}, stageConfigs: { [stage]: config } });
  } catch (error) {
    if (error instanceof StageConfigError) return error;
    throw error;
  }
  throw new Error(`buildApp accepted the ${stage} config`);
}

describe("buildApp", () => {
  it("creates the shared stack and one stack per stage", () => {
    const app = buildApp({ outdir: temporaryOutdir(), env: {} });

    const ids = app.node.children.map((child) => child.node.id);

    expect(ids).toEqual(expect.arrayContaining(["shared", "dev", "test", "prod"]));
  });

  it("writes cdktf.out/stacks/<stack>/cdk.tf.json for every stack", () => {
    const outdir = temporaryOutdir();

    buildApp({ outdir, env: {} }).synth();

    for (const stack of ["shared", "dev", "test", "prod"]) {
      expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json")), stack).toBe(true);
    }
  });

  it("builds only the stages asked for, keeping the shared stack", () => {
    const app = buildApp({ outdir: temporaryOutdir(), env: {}, stages: ["prod"] });

    const ids = app.node.children.map((child) => child.node.id);

    expect(ids).toEqual(expect.arrayContaining(["shared", "prod"]));
    expect(ids).not.toContain("dev");
    expect(ids).not.toContain("test");
  });

  it("deploys the image named by IMAGE_TAG and pinned by IMAGE_DIGEST", () => {
    const outdir = temporaryOutdir();
    const digest = `sha256:${"c".repeat(64)}`;

    buildApp({
      outdir,
      env: { IMAGE_TAG: "v9.9.9", IMAGE_DIGEST: digest },
      stages: ["test"],
    }).synth();

    const stack = readFileSync(join(outdir, "stacks", "test", "cdk.tf.json"), "utf8");
    expect(stack).toContain(`agnostic-lambda-core@${digest}`);
    expect(stack).toContain('"VERSION": "v9.9.9"');
  });

  it("stops on an IMAGE_DIGEST without the IMAGE_TAG that becomes VERSION", () => {
    const digest = `sha256:${"c".repeat(64)}`;

    expect(() => buildApp({ outdir: temporaryOutdir(), env: { IMAGE_DIGEST: digest } })).toThrow(
      /IMAGE_DIGEST is set but IMAGE_TAG is not/,
    );
  });

  it("stops on a malformed IMAGE_DIGEST, naming the variable", () => {
    expect(() => buildApp({ outdir: temporaryOutdir(), env: { IMAGE_DIGEST: "latest" } })).toThrow(
      /IMAGE_DIGEST must look like sha256:/,
    );
  });
});

describe("stage configuration is validated when the app starts", () => {
  it("rejects an unknown stage", () => {
    const build = () =>
      buildApp({ outdir: temporaryOutdir(), env: {}, stages: ["staging" as StageName] });

    expect(build).toThrow(StageConfigError);
    expect(build).toThrow(
      /stage "staging"[\s\S]*staging: stage: unknown stage; expected one of dev, test, prod/,
    );
  });

  it("rejects a memory size Lambda does not allow", () => {
    const error = buildWith("prod", makeStageConfig("prod", { function: { memoryMb: 100 } }));

    expect(error.stages).toEqual(["prod"]);
    expect(error.problems).toEqual([
      {
        stage: "prod",
        field: "function.memoryMb",
        message: expect.stringContaining("from 128 to 10240"),
      },
    ]);
    expect(error.message).toMatch(/stage "prod"[\s\S]*function\.memoryMb/);
  });

  it("rejects a log retention CloudWatch does not accept", () => {
    const error = buildWith(
      "test",
      makeStageConfig("test", { function: { logRetentionDays: 10 } }),
    );

    expect(error.stages).toEqual(["test"]);
    expect(error.problems).toEqual([
      {
        stage: "test",
        field: "function.logRetentionDays",
        message: expect.stringContaining("got 10"),
      },
    ]);
  });

  it("rejects a malformed account id", () => {
    const error = buildWith("dev", makeStageConfig("dev", { account: { id: "12345" } }));

    expect(error.stages).toEqual(["dev"]);
    expect(error.problems).toEqual([
      {
        stage: "dev",
        field: "account.id",
        message: 'must be a 12-digit AWS account id, got "12345"',
      },
    ]);
  });

  it("rejects a malformed e-mail address, naming its position", () => {
    const error = buildWith(
      "prod",
      makeStageConfig("prod", {
        notifications: { emails: ["oncall@example.com", "not-an-address"] },
      }),
    );

    expect(error.stages).toEqual(["prod"]);
    expect(error.problems).toEqual([
      {
        stage: "prod",
        field: "notifications.emails[1]",
        message: 'must be an e-mail address, got "not-an-address"',
      },
    ]);
  });

  it("reports every invalid field of every stage in one error", () => {
    let error: unknown;
    try {
      buildApp({
        outdir: temporaryOutdir(),
        env: {},
        stages: ["prod", "staging" as StageName],
        stageConfigs: {
          dev: makeStageConfig("dev", {
            function: { memoryMb: 100 },
            notifications: { emails: ["nobody"] },
          }),
          test: makeStageConfig("test", { function: { logRetentionDays: 10 } }),
          prod: makeStageConfig("prod", {
            account: { id: "12345" },
            alarms: { evaluationPeriods: 0 },
          }),
        },
      });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(StageConfigError);
    const { problems, message } = error as StageConfigError;
    expect(problems.map((problem) => `${problem.stage}: ${problem.field}`)).toEqual([
      "staging: stage",
      "dev: function.memoryMb",
      "dev: notifications.emails[0]",
      "test: function.logRetentionDays",
      "prod: account.id",
      "prod: alarms.evaluationPeriods",
    ]);
    expect(message).toContain("6 problems");
    for (const problem of problems) {
      expect(message).toContain(`  - ${problem.stage}: ${problem.field}: ${problem.message}`);
    }
  });

  it("refuses a stage in the shared account unless its configuration opts in", () => {
    const inSharedAccount = { id: PROJECT.shared.account.id };

    const error = buildWith("dev", makeStageConfig("dev", { account: inSharedAccount }));

    expect(error.problems).toEqual([
      {
        stage: "dev",
        field: "account.id",
        message: expect.stringContaining("is the shared account"),
      },
    ]);
    expect(error.message).toContain("account.sharedAccountReason");
  });

  it("builds a stage in the shared account that says why, without a bootstrap stack for it", () => {
    const dev = makeStageConfig("dev", {
      account: { id: PROJECT.shared.account.id, sharedAccountReason: "one sandbox account" },
    });

    const app = buildApp({ outdir: temporaryOutdir(), env: {}, stageConfigs: { dev } });

    const ids = app.node.children.map((child) => child.node.id);
    expect(ids).toContain("dev");
    expect(ids).not.toContain("bootstrap-dev");
  });

  it("rejects a config filed under another stage's name", () => {
    const error = buildWith("prod", makeStageConfig("dev"));

    expect(error.problems[0]?.field).toBe("stage");
  });

  it("stops synth in a real process with the message and exit code 1", () => {
    const outdir = join(temporaryOutdir(), "cdktf.out");

    const result = spawnSync(process.execPath, ["--import", "tsx", "main.ts"], {
      env: { ...process.env, CDKTF_OUTDIR: outdir, IMAGE_DIGEST: "sha256:not-hex" },
      encoding: "utf8",
    });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("synth stopped: IMAGE_DIGEST must look like sha256:");
    expect(existsSync(outdir)).toBe(false);
  });
});
