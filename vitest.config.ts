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
    // Synth and the offline terraform plan take seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: "forks",
    // One offline-plan cache directory per run, shared by every worker (stacks/test/support).
    globalSetup: ["stacks/test/support/global-setup.ts"],
  },
});
