import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixturesDirectory, repositoryRoot } from "./support/events.js";

/** Runs `npm run invoke -- <args>` the way a developer would. */
function invoke(...args: string[]) {
  const result = spawnSync("npm", ["run", "--silent", "invoke", "--", ...args], {
    cwd: repositoryRoot,
    encoding: "utf8",
    env: { ...process.env, VERSION: "invoke-test" },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const scratch = mkdtempSync(join(tmpdir(), "invoke-test-"));

describe("npm run invoke", () => {
  it("prints the handler's result for a real HTTP API event and exits 0", () => {
    const { code, stdout, stderr } = invoke(join(fixturesDirectory, "http-api-v2-get-root.json"));
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      statusCode: number;
      body: string;
      headers: Record<string, string>;
    };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ version: "invoke-test", status: "success" });
    expect(result.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    // The request log goes to stderr, so stdout stays pure JSON.
    expect(JSON.parse(stderr.trim())).toMatchObject({
      message: "request",
      requestId: "LV7fzho-PHcEJPw=",
      status: 200,
    });
  });

  it("rejects a file that is not JSON, naming the file and the parser's reason, exit 1", () => {
    const file = join(scratch, "broken.json");
    writeFileSync(file, '{"version": "2.0", ');
    const { code, stdout, stderr } = invoke(file);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`event file ${file} is not valid JSON`);
  });

  it("rejects a real AWS event of another kind, naming the missing field, exit 1", () => {
    const file = join(fixturesDirectory, "codedeploy-lifecycle-hook.json");
    const { code, stderr } = invoke(file);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `event file ${file} is not usable: event.requestContext.http.method must be a non-empty string`,
    );
  });

  it("says so when the file does not exist, exit 1", () => {
    const { code, stderr } = invoke(join(scratch, "missing.json"));
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot read event file .*missing\.json: ENOENT/);
  });

  it("prints usage without an argument, exit 2", () => {
    const { code, stderr } = invoke();
    expect(code).toBe(2);
    expect(stderr).toContain("usage: npm run invoke -- <event.json>");
  });
});
