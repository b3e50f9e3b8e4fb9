/**
 * `npm run deploy -- --stage <stage> [--auto-approve] [release options]`: the one command an
 * operator runs. It first checks, in a second or two, what would otherwise fail minutes later:
 * that the credentials belong to the stage's account and that the account's Lambda concurrency
 * quota holds the stage's reservations (`deploy-preflight.ts`). Then it applies the stage's stack
 * with `cdktf deploy <stage>` (which publishes a new function version when the image changed and
 * points the canary alarms at it), and releases that version through CodeDeploy with the release
 * command. Exit codes are the release's; a refused preflight or bad usage exits 2 and a failed
 * `cdktf deploy` exits 1, both before anything is released.
 */
import {
  getStageConfig,
  STAGE_NAMES,
  type StageConfig,
  StageConfigError,
} from "../../stacks/config";
import { parseReleaseArgs, UsageError } from "./args";
import {
  type AccountApi,
  checkConcurrencyQuota,
  checkCredentials,
  PreflightError,
  readConcurrencyQuota,
} from "./deploy-preflight";
import type { OutputStream } from "./progress";
import { EXIT } from "./release";

export const DEPLOY_USAGE = `Usage:
  npm run deploy -- --stage <${STAGE_NAMES.join("|")}> [--auto-approve] [release options]

Checks the AWS credentials (they must be the stage's account) and the account's Lambda
concurrency quota, applies the stage's stack (cdktf deploy <stage>), then releases the new
version through CodeDeploy.

  --stage            the stage to deploy (required)
  --auto-approve     apply without asking for confirmation
  --help             this text

Release options, passed on to the release (npm run release -- --help for details):
  --target-version <n>  --timeout <seconds>  --no-wait  --json  --record <file>`;

export interface DeployPorts {
  /** Runs `cdktf` with these arguments, output to the terminal; resolves to its exit code. */
  readonly cdktf: (args: readonly string[]) => Promise<number>;
  /** Runs the release command with these arguments; resolves to its exit code. */
  readonly release: (argv: readonly string[]) => Promise<number>;
  /** The account reads of the preflight, in the stage's account and region. */
  readonly accountApi: (config: StageConfig) => AccountApi;
  /** Where `AWS_PROFILE` is read from, to name it in the credentials help. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stderr: OutputStream;
}

export async function runDeploy(argv: readonly string[], ports: DeployPorts): Promise<number> {
  const say = (line: string) => ports.stderr.write(`${line}\n`);
  const autoApprove = argv.includes("--auto-approve");
  const releaseArgv = argv.filter((argument) => argument !== "--auto-approve");
  let config: StageConfig;
  try {
    const command = parseReleaseArgs(releaseArgv);
    if (command.kind === "help") {
      say(DEPLOY_USAGE);
      return EXIT.succeeded;
    }
    if (command.kind === "stop") {
      throw new UsageError(
        "--stop is a release option: use npm run release -- --stage <stage> --stop",
      );
    }
    config = getStageConfig(command.stage);
  } catch (error) {
    if (error instanceof UsageError) {
      say(`error: ${error.message}\n\n${DEPLOY_USAGE}`);
      return EXIT.usage;
    }
    if (error instanceof StageConfigError) {
      say(`error: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
  const stage = config.stage;

  try {
    const api = ports.accountApi(config);
    const caller = await checkCredentials(config, api, ports.env);
    say(`credentials: ${caller} (account ${config.account.id}, as ${stage} expects)`);
    const quota = checkConcurrencyQuota(config, await readConcurrencyQuota(api));
    say(`concurrency: ${quota.summary}`);
    if (quota.warning) say(`warning: ${quota.warning}`);
  } catch (error) {
    if (!(error instanceof PreflightError)) throw error;
    say(`error: ${error.message}\nNothing was synthesized or applied.`);
    return EXIT.usage;
  }

  const cdktfArgs = ["deploy", stage, ...(autoApprove ? ["--auto-approve"] : [])];
  say(`$ cdktf ${cdktfArgs.join(" ")}`);
  const applied = await ports.cdktf(cdktfArgs);
  if (applied !== 0) {
    say(`cdktf deploy ${stage} failed (exit ${applied}); nothing was released.`);
    return EXIT.failed;
  }
  return ports.release(releaseArgv);
}
