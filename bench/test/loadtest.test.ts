import { execFile, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Runs bench/loadtest.ts; without --url it only ever targets its own server on 127.0.0.1. */
function loadtest(...args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "bench/loadtest.ts", ...args], {
    cwd: repositoryRoot,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run loadtest", () => {
  it("replays both v2 scenarios against the local server with every check passing", () => {
    const { code, stdout } = loadtest("--duration", "1", "--connections", "2");
    expect(stdout).toMatch(/load test against http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/POST \/ expecting success\s+\d+\s/);
    expect(stdout).toMatch(/GET \/robots\.txt expecting 404 with HSTS\s+\d+\s/);
    expect(stdout).toContain("failed checks: 0");
    expect(code).toBe(0);
  });

  it.each([
    [["--duration", "0"], "--duration must be an integer from 1 to 600 seconds, got 0"],
    [["--connections", "many"], "--connections must be an integer from 1 to 1000, got many"],
    [["--url", "ftp://example.com"], "--url must use http or https, got ftp:"],
    [["--url", "not a url"], "--url must be an absolute http(s) URL, got not a url"],
  ])("refuses %j with a clear message and exit 2", (args, message) => {
    const { code, stderr } = loadtest(...args);
    expect(stderr).toContain(message);
    expect(code).toBe(2);
  });

  it("counts failed checks and exits 1 when the target answers wrongly", async () => {
    const wrong = createServer((_request, response) => response.end("{}"));
    await new Promise<void>((resolve) => wrong.listen(0, "127.0.0.1", resolve));
    const { port } = wrong.address() as AddressInfo;
    try {
      // Asynchronous on purpose: the wrong server lives in this process and must keep answering.
      const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
        const args = [
          "--import",
          "tsx",
          "bench/loadtest.ts",
          "--url",
          `http://127.0.0.1:${port}`,
          "--duration",
          "1",
          "--connections",
          "1",
        ];
        execFile(
          process.execPath,
          args,
          { cwd: repositoryRoot, encoding: "utf8", timeout: 30_000 },
          (error, stdout) =>
            resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout }),
        );
      });
      expect(result.stdout).toContain("first failure: body status undefined");
      expect(result.stdout).toContain("first failure: status 200");
      expect(result.stdout).not.toContain("failed checks: 0");
      expect(result.code).toBe(1);
    } finally {
      await new Promise((resolve) => wrong.close(resolve));
    }
  });
});
