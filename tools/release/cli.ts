/**
 * `npm run release -- --stage <stage> [...]`: releases the latest published version of the
 * stage's function through CodeDeploy and follows it to the end (see `args.ts` for the options).
 *
 * Exit codes: 0 succeeded (or nothing to release), 1 failed or rolled back, 2 bad usage or
 * configuration, 3 timed out waiting (the deployment keeps running).
 */
import { appendFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { DeploymentDescriptionError } from "@agnostic-lambda-core/delivery-records/deployment-description";
import { getStageConfig, StageConfigError } from "../../stacks/config";
import { parseReleaseArgs, USAGE, UsageError } from "./args";
import { createAwsDeliveryApi } from "./aws-delivery-api";
import { CommitLookupError, type GitRunner, readCommit, runGit } from "./commit";
import { type OutputStream, ProgressLine } from "./progress";
import { formatDeploymentRecord } from "./record";
import { describeError, EXIT, ReleaseConfigurationError, runRelease, runStop } from "./release";

export interface CliEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** @default `git` on the PATH */
  readonly git?: GitRunner;
  /** @default 5000 */
  readonly pollIntervalMs?: number;
}

/** AWS errors that mean "this stage is not set up as expected", not "the release failed". */
const CONFIGURATION_ERRORS = new Set([
  "ResourceNotFoundException",
  "ApplicationDoesNotExistException",
  "DeploymentGroupDoesNotExistException",
  "DeploymentConfigDoesNotExistException",
  "AccessDeniedException",
  "AccessDenied",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "ExpiredTokenException",
  "CredentialsProviderError",
]);

export async function runCli(argv: readonly string[], cli: CliEnvironment): Promise<number> {
  let command: ReturnType<typeof parseReleaseArgs>;
  try {
    command = parseReleaseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    cli.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (command.kind === "help") {
    cli.stdout.write(`${USAGE}\n`);
    return EXIT.succeeded;
  }
  // With --json, stdout carries only the record; the operator's messages go to stderr.
  const human = command.json ? cli.stderr : cli.stdout;
  const say = (line: string) => human.write(`${line}\n`);

  try {
    const config = getStageConfig(command.stage);
    const api = createAwsDeliveryApi({ region: config.account.region });
    if (command.kind === "stop") {
      return (await runStop({ config, deploymentId: command.deploymentId }, { api, say })).exitCode;
    }
    const result = await runRelease(
      {
        config,
        targetVersion: command.targetVersion,
        timeoutSeconds: command.timeoutSeconds,
        wait: command.wait,
      },
      {
        api,
        commit: () => readCommit(cli.env, cli.git ?? runGit),
        now: () => new Date(),
        sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
        say,
        progress: new ProgressLine(human),
        pollIntervalMs: cli.pollIntervalMs,
      },
    );
    if (result.record) {
      const line = formatDeploymentRecord(result.record);
      if (command.json) cli.stdout.write(line);
      if (command.recordFile) await appendFile(command.recordFile, line, "utf8");
    }
    return result.exitCode;
  } catch (error) {
    const configuration =
      error instanceof StageConfigError ||
      error instanceof ReleaseConfigurationError ||
      error instanceof CommitLookupError ||
      error instanceof DeploymentDescriptionError ||
      (error instanceof Error && CONFIGURATION_ERRORS.has(error.name));
    cli.stderr.write(
      `error: ${describeError(error)}\n` +
        (configuration && error instanceof Error && CONFIGURATION_ERRORS.has(error.name)
          ? `Check the AWS credentials and that the ${command.stage} stack is deployed (npm run deploy -- --stage ${command.stage}).\n`
          : ""),
    );
    return configuration ? EXIT.usage : EXIT.failed;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}
