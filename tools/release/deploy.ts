/**
 * Entry point of `npm run deploy`; see `deploy-command.ts`.
 */
import { spawn } from "node:child_process";
import { runCli } from "./cli";
import { runDeploy } from "./deploy-command";

process.exitCode = await runDeploy(process.argv.slice(2), {
  cdktf: (args) =>
    new Promise((resolve) => {
      // The project's own cdktf-cli (devDependency), with the caller's IMAGE_TAG / IMAGE_DIGEST.
      const child = spawn("npx", ["--no-install", "cdktf", ...args], { stdio: "inherit" });
      child.on("error", () => resolve(127));
      child.on("close", (code) => resolve(code ?? 1));
    }),
  release: (argv) =>
    runCli(argv, { env: process.env, stdout: process.stdout, stderr: process.stderr }),
  stderr: process.stderr,
});
