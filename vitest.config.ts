// First: the project's environment defaults (no telemetry, no AWS SDK Node-version warning),
// inherited by the test workers and every command the tests run.
import "./tools/project-env";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "function/test/**/*.test.ts",
      "function/delivery/test/**/*.test.ts",
      "function/examples/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "bench/test/**/*.test.ts",
      "stacks/test/**/*.test.ts",
      "tools/**/test/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "cdktf.out/**"],
    // Synth and the offline terraform plans take seconds, and minutes on a loaded machine: the
    // first test to read a stage's plan makes it. Speed is the benchmarks' business (npm run bench).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    // The suite's own temp folder (checked for leftovers at the end) and one offline-plan cache
    // directory per run, shared by every worker (stacks/test/support).
    globalSetup: ["stacks/test/support/global-setup.ts"],
    // Removes what test helpers made for the file that just ended.
    setupFiles: ["stacks/test/support/per-file-setup.ts"],
  },
});
