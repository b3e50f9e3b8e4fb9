import { defineConfig } from "vitest/config";

/** `npm test -w function`: the function's own tests (the app's and its delivery functions'). */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "delivery/test/**/*.test.ts", "examples/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
