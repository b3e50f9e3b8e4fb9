import { afterEach, describe, expect, it, vi } from "vitest";
import { healthUrl, judgeAnswer, main, smokeCheck } from "../smoke-check";
import { type LocalServer, sendJson, startLocalServer } from "./support/http";

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

const quiet = () => undefined;

describe("smokeCheck against a local server", () => {
  it("keeps polling while the old version answers and succeeds once the new one does", async () => {
    server = await startLocalServer((_request, _body, response, count) =>
      sendJson(response, 200, { status: "ok", version: count < 3 ? "old-sha" : "new-sha" }),
    );

    const result = await smokeCheck({
      url: `${server.url}/health`,
      expectVersion: "new-sha",
      timeoutMs: 5_000,
      intervalMs: 20,
      log: quiet,
    });

    expect(result).toMatchObject({
      ok: true,
      attempts: 3,
      lastObservation: 'HTTP 200, version "new-sha"',
    });
    expect(server.requests.map((request) => request.url)).toEqual([
      "/health",
      "/health",
      "/health",
    ]);
  });

  it("gives up when the time runs out, reporting the last answer", async () => {
    server = await startLocalServer((_request, _body, response) =>
      sendJson(response, 503, { error: "unavailable", version: "old-sha" }),
    );

    const started = Date.now();
    const result = await smokeCheck({
      url: server.url,
      expectVersion: "new-sha",
      timeoutMs: 300,
      intervalMs: 50,
      log: quiet,
    });

    expect(result.ok).toBe(false);
    expect(result.lastObservation).toBe('HTTP 503, version "old-sha"');
    expect(result.attempts).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("counts an unreachable URL as a failed attempt, not a crash", async () => {
    server = await startLocalServer((_request, _body, response) => sendJson(response, 200, {}));
    const url = server.url;
    await server.close();
    server = undefined;

    const result = await smokeCheck({
      url,
      expectVersion: "v",
      timeoutMs: 200,
      intervalMs: 50,
      log: quiet,
    });

    expect(result.ok).toBe(false);
    expect(result.lastObservation).toMatch(/^network error/);
  });
});

describe("judgeAnswer", () => {
  it("needs status 200 as well as the version", () => {
    expect(judgeAnswer(500, '{"version":"v1"}', "v1").matches).toBe(false);
    expect(judgeAnswer(200, '{"version":"v1"}', "v1").matches).toBe(true);
  });

  it("says when the body is not JSON", () => {
    expect(judgeAnswer(200, "<html>", "v1")).toEqual({
      matches: false,
      observation: "HTTP 200, not JSON",
    });
  });
});

describe("healthUrl", () => {
  it("puts /health on the Function URL", () => {
    expect(healthUrl("https://abc.lambda-url.eu-west-1.on.aws/")).toBe(
      "https://abc.lambda-url.eu-west-1.on.aws/health",
    );
  });

  it("rejects a URL that is not absolute, naming the option", () => {
    expect(() => healthUrl("null")).toThrow('--url must be an absolute URL, got "null"');
  });
});

describe("main", () => {
  it("exits 0 when the version answers and 1 when it never does", async () => {
    server = await startLocalServer((_request, _body, response) =>
      sendJson(response, 200, { status: "ok", version: "abc123" }),
    );
    vi.spyOn(console, "log").mockImplementation(quiet);
    const errors = vi.spyOn(console, "error").mockImplementation(quiet);

    const passed = await main([
      "--url",
      server.url,
      "--expect-version",
      "abc123",
      "--timeout",
      "2",
    ]);
    const failed = await main([
      "--url",
      server.url,
      "--expect-version",
      "other",
      "--timeout",
      "0.2",
      "--interval",
      "0.05",
    ]);

    expect([passed, failed]).toEqual([0, 1]);
    expect(errors.mock.calls.flat().join("")).toContain('did not answer with version "other"');
  });

  it("exits 2 naming a missing option", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(quiet);

    expect(await main(["--url", "https://x.example"])).toBe(2);
    expect(errors.mock.calls.flat().join("")).toContain("--expect-version is required");
  });
});
