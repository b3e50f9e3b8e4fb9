/**
 * The release command's arguments, parsed and checked before anything touches AWS. Bad usage
 * throws a {@link UsageError} (exit code 2) that names the option and the rule.
 */
import { parseArgs } from "node:util";
import { isStageName, STAGE_NAMES, type StageName } from "../../stacks/config";

export const USAGE = `Usage:
  npm run release -- --stage <${STAGE_NAMES.join("|")}> [--target-version <n>] [--timeout <seconds>] [--no-wait] [--json] [--record <file>]
  npm run release -- --stage <stage> --stop [--deployment-id <d-...>]

  --stage            the stage to release (required)
  --target-version   the published version to shift to (default: the latest published version)
  --timeout          seconds to wait for the deployment (default: from the stage's traffic shifting)
  --no-wait          create the deployment and exit without following it
  --json             write the deployment record (one JSON line) to stdout; messages go to stderr
  --record <file>    append the deployment record to <file>
  --stop             stop the running deployment of the stage and roll it back
  --deployment-id    the deployment to stop (default: the stage's active deployment)`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type ReleaseCommand =
  | { readonly kind: "help" }
  | {
      readonly kind: "release";
      readonly stage: StageName;
      readonly targetVersion: string | undefined;
      readonly timeoutSeconds: number | undefined;
      readonly wait: boolean;
      readonly json: boolean;
      readonly recordFile: string | undefined;
    }
  | {
      readonly kind: "stop";
      readonly stage: StageName;
      readonly deploymentId: string | undefined;
      readonly json: boolean;
    };

const MAX_TIMEOUT_SECONDS = 24 * 60 * 60;

/**
 * @example parseReleaseArgs(["--stage", "prod", "--timeout", "900"])
 */
export function parseReleaseArgs(argv: readonly string[]): ReleaseCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        stage: { type: "string" },
        "target-version": { type: "string" },
        timeout: { type: "string" },
        "no-wait": { type: "boolean" },
        json: { type: "boolean" },
        record: { type: "string" },
        stop: { type: "boolean" },
        "deployment-id": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { kind: "help" };

  const stageText = values.stage as string | undefined;
  if (stageText === undefined) throw new UsageError("--stage is required");
  if (!isStageName(stageText)) {
    throw new UsageError(`--stage must be one of ${STAGE_NAMES.join(", ")}, got "${stageText}"`);
  }
  const json = values.json === true;

  if (values.stop) {
    for (const option of ["target-version", "timeout", "no-wait", "record"]) {
      if (values[option] !== undefined) {
        throw new UsageError(`--${option} cannot be combined with --stop`);
      }
    }
    const deploymentId = values["deployment-id"] as string | undefined;
    if (deploymentId !== undefined && !/^d-[A-Z0-9]{1,32}$/.test(deploymentId)) {
      throw new UsageError(
        `--deployment-id must be a CodeDeploy deployment id such as d-ABCDEF123, got "${deploymentId}"`,
      );
    }
    return { kind: "stop", stage: stageText, deploymentId, json };
  }
  if (values["deployment-id"] !== undefined) {
    throw new UsageError("--deployment-id is only used with --stop");
  }

  const targetVersion = values["target-version"] as string | undefined;
  if (targetVersion !== undefined && !/^[1-9]\d{0,9}$/.test(targetVersion)) {
    throw new UsageError(
      `--target-version must be a published version number (1, 2, ...), got "${targetVersion}"`,
    );
  }
  const timeoutText = values.timeout as string | undefined;
  let timeoutSeconds: number | undefined;
  if (timeoutText !== undefined) {
    timeoutSeconds = Number(timeoutText);
    if (!/^\d+$/.test(timeoutText) || timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
      throw new UsageError(
        `--timeout must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, got "${timeoutText}"`,
      );
    }
  }
  const wait = values["no-wait"] !== true;
  const recordFile = values.record as string | undefined;
  if (recordFile !== undefined && recordFile.trim().length === 0) {
    throw new UsageError("--record needs a file name");
  }
  if (!wait && (json || recordFile !== undefined)) {
    throw new UsageError(
      "--json and --record write the outcome of the deployment, so they cannot be combined with --no-wait",
    );
  }
  return {
    kind: "release",
    stage: stageText,
    targetVersion,
    timeoutSeconds,
    wait,
    json,
    recordFile,
  };
}
