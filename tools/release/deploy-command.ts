/**
 * `npm run deploy -- --stage <stage> [--auto-approve] [release options]`: the one command an
 * operator runs. It applies the stage's stack with `cdktf deploy <stage>` (which publishes a new
 * function version when the image changed and points the canary alarms at it), then releases
 * that version through CodeDeploy with the release command. Exit codes are the release's; a failed
 * `cdktf deploy` exits 1 and releases nothing.
 */
import { parseReleaseArgs, USAGE, UsageError } from "./args";
import type { OutputStream } from "./progress";
import { EXIT } from "./release";

export interface DeployPorts {
  /** Runs `cdktf` with these arguments, output to the terminal; resolves to its exit code. */
  readonly cdktf: (args: readonly string[]) => Promise<number>;
  /** Runs the release command with these arguments; resolves to its exit code. */
  readonly release: (argv: readonly string[]) => Promise<number>;
  readonly stderr: OutputStream;
}

export async function runDeploy(argv: readonly string[], ports: DeployPorts): Promise<number> {
  const autoApprove = argv.includes("--auto-approve");
  const releaseArgv = argv.filter((argument) => argument !== "--auto-approve");
  let stage: string;
  try {
    const command = parseReleaseArgs(releaseArgv);
    if (command.kind === "help") {
      ports.stderr.write(
        `npm run deploy -- --stage <stage> [--auto-approve] [release options]\n\n${USAGE}\n`,
      );
      return EXIT.succeeded;
    }
    if (command.kind === "stop")
      throw new UsageError("--stop is a release option: use npm run release -- --stop");
    stage = command.stage;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    ports.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }

  const cdktfArgs = ["deploy", stage, ...(autoApprove ? ["--auto-approve"] : [])];
  ports.stderr.write(`$ cdktf ${cdktfArgs.join(" ")}\n`);
  const applied = await ports.cdktf(cdktfArgs);
  if (applied !== 0) {
    ports.stderr.write(`cdktf deploy ${stage} failed (exit ${applied}); nothing was released.\n`);
    return EXIT.failed;
  }
  return ports.release(releaseArgv);
}
