/**
 * Entry point of `npm run deploy`; see `deploy-command.ts`.
 */
import { spawn } from "node:child_process";
import { createAwsAccountApi } from "./aws-account-api";
import { runDeploy } from "./deploy-command";

process.exitCode = await runDeploy(process.argv.slice(2), {
  cdktf: (args) =>
    new Promise((resolve) => {
      // The project's own cdktf-cli (devDependency), with the caller's IMAGE_TAG / IMAGE_DIGEST.
      const child = spawn("npx", ["--no-install", "cdktf", ...args], { stdio: "inherit" });
      child.on("error", () => resolve(127));
      child.on("close", (code) => resolve(code ?? 1));
    }),
  // Loaded on use: a refused preflight should not wait for the release's SDK clients to load.
  release: async (argv) =>
    (await import("./cli")).runCli(argv, {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
    }),
  accountApi: (config) => createAwsAccountApi({ region: config.account.region }),
  env: process.env,
  stderr: process.stderr,
});
