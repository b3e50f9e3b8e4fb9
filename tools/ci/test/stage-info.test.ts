import { describe, expect, it } from "vitest";
import { STAGES, type StageConfig } from "../../../stacks/config";
import { buildInfo, dockerPlatform, run, StageInfoError, stageInfo } from "../stage-info";

const configs = Object.values(STAGES);

function withArchitecture(config: StageConfig, architecture: "arm64" | "x86_64"): StageConfig {
  return { ...config, function: { ...config.function, architecture } };
}

describe("dockerPlatform", () => {
  it("is linux/arm64 for the configured arm64 stages", () => {
    expect(dockerPlatform(configs)).toBe("linux/arm64");
  });

  it("is linux/amd64 when every stage runs x86_64", () => {
    expect(dockerPlatform(configs.map((config) => withArchitecture(config, "x86_64")))).toBe(
      "linux/amd64",
    );
  });

  it("refuses stages that disagree, naming them", () => {
    const mixed = [STAGES.dev, withArchitecture(STAGES.prod, "x86_64")];

    expect(() => dockerPlatform(mixed)).toThrow(StageInfoError);
    expect(() => dockerPlatform(mixed)).toThrow("arm64 (dev) vs x86_64 (prod)");
  });
});

describe("stageInfo", () => {
  it("builds the CI role ARNs and topic ARN of the stage's account", () => {
    expect(stageInfo(STAGES.prod)).toEqual({
      stage: "prod",
      region: "eu-west-1",
      accountId: STAGES.prod.account.id,
      environment: "prod",
      planRoleArn: `arn:aws:iam::${STAGES.prod.account.id}:role/agnostic-lambda-core-prod-ci-plan`,
      deployRoleArn: `arn:aws:iam::${STAGES.prod.account.id}:role/agnostic-lambda-core-prod-ci-deploy`,
      topicArn: `arn:aws:sns:eu-west-1:${STAGES.prod.account.id}:agnostic-lambda-core-prod-alarms`,
    });
  });
});

describe("run", () => {
  it("prints the matrix as one GITHUB_OUTPUT line with every stage", () => {
    const line = run(["matrix"]);

    const matrix = JSON.parse(line.replace(/^matrix=/, "")) as { include: { stage: string }[] };
    expect(line.split("\n")).toHaveLength(1);
    expect(matrix.include.map((entry) => entry.stage)).toEqual(["dev", "test", "prod"]);
  });

  it("prints a stage as snake_case key=value lines", () => {
    expect(run(["stage", "dev"]).split("\n")).toContain(
      `deploy_role_arn=arn:aws:iam::${STAGES.dev.account.id}:role/agnostic-lambda-core-dev-ci-deploy`,
    );
  });

  it("prints the build role, registry and platform", () => {
    const info = buildInfo(configs);

    expect(run(["build"]).split("\n")).toEqual([
      `region=${info.region}`,
      `build_role_arn=${info.buildRoleArn}`,
      `registry=${info.registry}`,
      `repository=${info.repository}`,
      "platform=linux/arm64",
    ]);
  });

  it("rejects an unknown stage with the config's message", () => {
    expect(() => run(["stage", "qa"])).toThrow(/stage "qa"[\s\S]*qa: stage: unknown stage/);
  });

  it("rejects an unknown command with the usage", () => {
    expect(() => run(["deploy"])).toThrow(/usage: tsx tools\/ci\/stage-info\.ts matrix/);
  });
});
