import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  configurationProblems,
  PROJECT,
  reservedConcurrencyOf,
  STAGE_NAMES,
  STAGES,
  StageConfigError,
  stateBucketName,
  validateStageConfigs,
} from "../config";
import { makeStageConfig, resourcesOfType, synthStageStack } from "./support/synth";

const AWS_REGION = /\b(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:gov-)?[a-z]+-\d\b/;

/** Tracked files, from the repository root (tests run there). */
function trackedFiles(): string[] {
  const result = spawnSync("git", ["ls-files", "-z"], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ls-files failed: ${result.stderr}`);
  return result.stdout.split("\0").filter((file) => file.length > 0);
}

describe("names that must be globally unique derive from the account they live in", () => {
  it("names the state bucket after the shared account and region", () => {
    // Spelled in parts: the whole name appears in no tracked file but config.ts (checked below).
    expect(PROJECT.shared.state.bucket).toBe(
      ["agnostic-lambda-core", "tfstate", "111111111111", "eu-west-1"].join("-"),
    );
    expect(PROJECT.shared.state.bucket).toBe(stateBucketName(PROJECT.shared.account));
  });

  it("gives another shared account another bucket name", () => {
    const mine = stateBucketName({ id: "111111111111", region: "eu-west-1" });
    const forked = stateBucketName({ id: "999999999999", region: "eu-west-1" });
    const elsewhere = stateBucketName({ id: "111111111111", region: "us-east-1" });

    expect(new Set([mine, forked, elsewhere]).size).toBe(3);
    expect(forked).toContain("999999999999");
  });

  it("keeps every stage's state in the shared account's bucket and region", () => {
    for (const stage of STAGE_NAMES) {
      expect(STAGES[stage].state).toEqual({
        bucket: PROJECT.shared.state.bucket,
        region: PROJECT.shared.account.region,
        key: `stages/${stage}/terraform.tfstate`,
      });
    }
  });

  it("writes the bucket's name in no tracked file but stacks/config.ts", () => {
    const literalBucketName = /tfstate-\d{12}/;

    const offenders = trackedFiles().filter(
      (file) =>
        file !== "stacks/config.ts" &&
        file !== "package-lock.json" &&
        literalBucketName.test(readFileSync(file, "utf8")),
    );

    expect(offenders).toEqual([]);
  });

  it("declares the region once: no stack, tool or workflow names a region of its own", () => {
    const delivery = /^(?:stacks|tools|\.github|\.ci)\/|^main\.ts$/;
    const testCode = /(?:^|\/)test\/|\.test\.ts$/;

    const offenders = trackedFiles().filter(
      (file) =>
        delivery.test(file) &&
        !testCode.test(file) &&
        file !== "stacks/config.ts" &&
        AWS_REGION.test(readFileSync(file, "utf8")),
    );

    expect(offenders).toEqual([]);
    const regionLiterals = readFileSync("stacks/config.ts", "utf8")
      .split("\n")
      .filter((line) => /"[a-z]{2}-[a-z]+-\d"/.test(line) && !line.trim().startsWith("*"));
    expect(regionLiterals).toEqual(['const REGION = "eu-west-1";']);
  });

  it("reports a project name too long for a bucket name, naming PROJECT's field", () => {
    const shared = {
      account: PROJECT.shared.account,
      state: { bucket: stateBucketName(PROJECT.shared.account, "a".repeat(40)) },
    };

    expect(configurationProblems([], shared)).toEqual([
      {
        stage: "project",
        field: "shared.state.bucket",
        message: expect.stringContaining("shorten PROJECT.name"),
      },
    ]);
  });
});

describe("dev is kept away from the shared account", () => {
  it("puts every stage of the default configuration in an account of its own", () => {
    const accounts = STAGE_NAMES.map((stage) => STAGES[stage].account.id);

    expect(new Set([...accounts, PROJECT.shared.account.id]).size).toBe(STAGE_NAMES.length + 1);
    expect(() => validateStageConfigs(STAGE_NAMES.map((stage) => STAGES[stage]))).not.toThrow();
  });

  it.each(STAGE_NAMES)("refuses %s in the shared account without an opt-in", (stage) => {
    const config = makeStageConfig(stage, { account: { id: PROJECT.shared.account.id } });

    expect(configurationProblems([config])).toEqual([
      {
        stage,
        field: "account.id",
        message: expect.stringContaining(
          `is the shared account (${PROJECT.shared.account.id}), which holds every stage's state and the image repository`,
        ),
      },
    ]);
  });

  it("refuses an opt-in that is blank", () => {
    const config = makeStageConfig("dev", {
      account: { id: PROJECT.shared.account.id, sharedAccountReason: "  " },
    });

    expect(configurationProblems([config]).map((problem) => problem.field)).toEqual(["account.id"]);
  });

  it("accepts a stage in the shared account whose configuration says why", () => {
    const config = makeStageConfig("dev", {
      account: { id: PROJECT.shared.account.id, sharedAccountReason: "a one-account sandbox" },
    });

    expect(configurationProblems([config])).toEqual([]);
  });

  it("refuses an opt-in left on a stage that has its own account", () => {
    const config = makeStageConfig("test", {
      account: { sharedAccountReason: "left over from a move" },
    });

    expect(configurationProblems([config])).toEqual([
      {
        stage: "test",
        field: "account.sharedAccountReason",
        message: expect.stringContaining("is not the shared account"),
      },
    ]);
  });
});

describe("validation reports every problem at once", () => {
  it("lists the problems of every stage and of PROJECT in one error", () => {
    const configs = [
      makeStageConfig("dev", { function: { timeoutSeconds: 0 } }),
      makeStageConfig("test", { account: { region: "Mars" } }),
      makeStageConfig("prod", { tags: { stage: "production" } }),
    ];
    const shared = { account: { id: "1", region: "eu-west-1" }, state: { bucket: "Bad_Bucket" } };

    let error: unknown;
    try {
      validateStageConfigs(configs, shared);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(StageConfigError);
    const fields = (error as StageConfigError).problems.map((p) => `${p.stage}: ${p.field}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        "project: shared.account.id",
        "project: shared.state.bucket",
        "dev: function.timeoutSeconds",
        "test: account.region",
        "prod: tags.stage",
      ]),
    );
    expect((error as StageConfigError).stages).toEqual(["project", "dev", "test", "prod"]);
  });
});

describe("the concurrency a stage reserves", () => {
  it.each(STAGE_NAMES)("counts every reservation the %s stack makes", (stage) => {
    const functions = resourcesOfType(synthStageStack(STAGES[stage]), "aws_lambda_function");

    const reserved = functions.reduce(
      (sum, fn) => sum + Math.max(0, Number(fn.reserved_concurrent_executions ?? 0)),
      0,
    );

    expect(functions.length).toBeGreaterThan(1);
    expect(reservedConcurrencyOf(STAGES[stage])).toBe(reserved);
  });
});
