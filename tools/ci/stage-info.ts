/**
 * What the workflows need to know about the stages, taken from `stacks/config.ts` so nothing is
 * typed twice (and a fork changes account ids in one place):
 *
 *   tsx tools/ci/stage-info.ts matrix           # matrix=[{"stage":"dev","region":...,"planRoleArn":...}, ...]
 *   tsx tools/ci/stage-info.ts stage <stage>    # region=..., deploy_role_arn=..., topic_arn=..., ...
 *   tsx tools/ci/stage-info.ts build            # region=..., build_role_arn=..., platform=linux/arm64, ...
 *
 * Output is `key=value` lines for `$GITHUB_OUTPUT`. Role names follow the CI role constructs.
 */
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type Architecture,
  architectureOf,
  getStageConfig,
  PROJECT,
  resourceName,
  STAGE_NAMES,
  type StageConfig,
} from "../../stacks/config";
import { buildRoleName } from "../../stacks/constructs/ci-build-role";
import { deployRoleName, planRoleName, roleArn } from "../../stacks/constructs/ci-roles";

export class StageInfoError extends Error {
  override readonly name = "StageInfoError";
}

const DOCKER_PLATFORMS: Record<Architecture, string> = {
  arm64: "linux/arm64",
  x86_64: "linux/amd64",
};

/**
 * The `docker buildx --platform` of the one image every stage runs. Stages that disagree on the
 * architecture cannot share an image, so that is an error naming them.
 */
export function dockerPlatform(configs: readonly StageConfig[]): string {
  const architectures = new Map<Architecture, string[]>();
  for (const config of configs) {
    const architecture = architectureOf(config);
    architectures.set(architecture, [...(architectures.get(architecture) ?? []), config.stage]);
  }
  if (architectures.size !== 1) {
    const detail = [...architectures]
      .map(([architecture, stages]) => `${architecture} (${stages.join(", ")})`)
      .join(" vs ");
    throw new StageInfoError(
      `stages disagree on function.architecture: ${detail}; one image is promoted through every stage, so they must match`,
    );
  }
  const [architecture] = architectures.keys();
  return DOCKER_PLATFORMS[architecture as Architecture];
}

export interface StageInfo {
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  readonly environment: string;
  readonly planRoleArn: string;
  readonly deployRoleArn: string;
  readonly topicArn: string;
}

export function stageInfo(config: StageConfig): StageInfo {
  const prefix = resourceName(config);
  const { id, region } = config.account;
  return {
    stage: config.stage,
    region,
    accountId: id,
    environment: config.ci.githubEnvironment,
    planRoleArn: roleArn(id, planRoleName(prefix)),
    deployRoleArn: roleArn(id, deployRoleName(prefix)),
    // The alarm topic (ServiceAlarms names it <prefix>-alarms); releases report to it too.
    topicArn: `arn:aws:sns:${region}:${id}:${resourceName(config, "alarms")}`,
  };
}

export interface BuildInfo {
  readonly region: string;
  readonly buildRoleArn: string;
  readonly registry: string;
  readonly repository: string;
  readonly platform: string;
}

export function buildInfo(configs: readonly StageConfig[]): BuildInfo {
  const { id, region } = PROJECT.shared.account;
  return {
    region,
    buildRoleArn: roleArn(id, buildRoleName(PROJECT.name)),
    registry: `${id}.dkr.ecr.${region}.amazonaws.com`,
    repository: PROJECT.ecrRepositoryName,
    platform: dockerPlatform(configs),
  };
}

/** `key=value` lines for `$GITHUB_OUTPUT`; camelCase keys become snake_case. */
export function toOutputLines(values: Readonly<Record<string, string>>): string {
  return Object.entries(values)
    .map(([key, value]) => {
      if (/[\r\n]/.test(value)) throw new StageInfoError(`${key} must be one line`);
      return `${key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}=${value}`;
    })
    .join("\n");
}

export function run(argv: readonly string[]): string {
  const [command, argument] = argv;
  const configs = STAGE_NAMES.map((stage) => getStageConfig(stage));
  switch (command) {
    case "matrix":
      return `matrix=${JSON.stringify({ include: configs.map(stageInfo) })}`;
    case "stage":
      if (!argument) throw new StageInfoError("stage needs a stage name");
      return toOutputLines({ ...stageInfo(getStageConfig(argument)) });
    case "build":
      return toOutputLines({ ...buildInfo(configs) });
    default:
      throw new StageInfoError(
        `usage: tsx tools/ci/stage-info.ts matrix | stage <${STAGE_NAMES.join("|")}> | build`,
      );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    process.stdout.write(`${run(process.argv.slice(2))}\n`);
  } catch (error) {
    process.stderr.write(`${basename(process.argv[1])}: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
