import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLambdaHandler } from "../src/adapters/lambda.js";
import type { Core } from "../src/core/contract.js";
import type { RequestLogRecord } from "../src/http/request-log.js";
import { createRequestLogger } from "../src/logging/index.js";
import {
  createJsonLinesEventLog,
  createJsonLinesRequestLogger,
  FIELD_LIMITS,
  isoTimestamp,
  jsonString,
  TRUNCATION_MARKER,
} from "../src/logging/json-lines.js";
import { createPowertoolsRequestLogger } from "../src/logging/powertools.js";
import { lambdaContext, makeFunctionUrlEvent, repositoryRoot } from "./support/events.js";

const record: RequestLogRecord = {
  requestId: 'id-"quoted"',
  method: "POST",
  path: "/a\nb",
  status: 201,
  durationMs: 0.125,
  version: "v1",
};

function capture() {
  const lines: string[] = [];
  return { lines, sink: (line: string) => void lines.push(line) };
}

describe("the JSON-lines request logger", () => {
  it("writes one newline-terminated JSON document in Powertools' shape per request", () => {
    const { lines, sink } = capture();
    createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "INFO", sink }).request(record);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("}\n")).toBe(true);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      level: "INFO",
      message: "request",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: "svc",
      ...record,
    });
  });

  it("logs an unexpected error with its stack, at ERROR", () => {
    const { lines, sink } = capture();
    createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "INFO", sink }).unexpectedError(
      new TypeError("bad"),
      "r1",
    );
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      level: "ERROR",
      requestId: "r1",
      error: {
        name: "TypeError",
        message: "bad",
        stack: expect.stringContaining("TypeError: bad"),
      },
    });
  });

  it("respects the log level", () => {
    const { lines, sink } = capture();
    const logger = createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "WARN", sink });
    logger.request(record);
    expect(lines).toEqual([]);
    logger.unexpectedError("thrown string", "r");
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      error: { name: "NonError", message: "thrown string" },
    });
    createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "SILENT", sink }).unexpectedError(
      new Error("x"),
      "r",
    );
    expect(lines).toHaveLength(1);
  });

  it("is the logger the function ships with", () => {
    const { lines, sink } = capture();
    createRequestLogger({ serviceName: "svc", logLevel: "INFO" }, sink).request(record);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      message: "request",
      requestId: record.requestId,
    });
  });
});

/** Values a core can throw that break naive error logging. */
function hostileThrownValues(): [string, unknown][] {
  const throwingToJson = new Error("placeholder");
  Object.defineProperty(throwingToJson, "message", {
    value: {
      toJSON() {
        throw new Error("toJSON exploded");
      },
    },
  });
  const throwingName = new Error("named");
  Object.defineProperty(throwingName, "name", {
    get() {
      throw new Error("name getter exploded");
    },
  });
  const trapEverything = new Proxy(
    {},
    {
      get() {
        throw new Error("get trap");
      },
      getPrototypeOf() {
        throw new Error("getPrototypeOf trap");
      },
    },
  );
  return [
    ["Object.create(null)", Object.create(null)],
    ["an error whose message has a throwing toJSON", throwingToJson],
    ["an error whose name getter throws", throwingName],
    ["a proxy whose every trap throws", trapEverything],
    ["a symbol", Symbol("thrown")],
    ["a bigint", 10n],
    ["undefined", undefined],
    ["a string with U+2028", "line\u2028break"],
  ];
}

describe("a log line that cannot fail or flood", () => {
  it.each(hostileThrownValues())(
    "logs a thrown %s as one JSON line, without throwing",
    (_name, value) => {
      const { lines, sink } = capture();
      const logger = createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "INFO", sink });
      expect(() => logger.unexpectedError(value, "r1")).not.toThrow();
      expect(lines).toHaveLength(1);
      expect(lines[0]?.split("\n")).toHaveLength(2);
      expect(JSON.parse(lines[0] ?? "")).toMatchObject({
        level: "ERROR",
        requestId: "r1",
        error: { name: expect.any(String), message: expect.any(String) },
      });
    },
  );

  it.each(hostileThrownValues())(
    "answers the generic 500 through the Lambda handler when a core throws %s",
    async (_name, value) => {
      const { lines, sink } = capture();
      const core: Core = () => {
        throw value;
      };
      const handler = createLambdaHandler(core, {
        version: "v1",
        logger: createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "INFO", sink }),
      });
      const result = await handler(makeFunctionUrlEvent({ method: "POST" }), lambdaContext);
      expect(result.statusCode).toBe(500);
      expect(lines.map((line) => JSON.parse(line).message)).toEqual([
        "unexpected error",
        "request",
      ]);
    },
  );

  it("loses the line, not the request, when the sink throws", () => {
    const logger = createJsonLinesRequestLogger({
      serviceName: "svc",
      logLevel: "INFO",
      sink: () => {
        throw new Error("EPIPE");
      },
    });
    expect(() => logger.request(record)).not.toThrow();
    expect(() => logger.unexpectedError(new Error("x"), "r")).not.toThrow();
  });

  it("cuts a 3 MB path to its documented length, with a marker saying how much was cut", () => {
    const { lines, sink } = capture();
    const path = `/${"a".repeat(3_000_000)}`;
    createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "INFO", sink }).request({
      ...record,
      path,
    });
    const logged = JSON.parse(lines[0] ?? "").path as string;
    expect(logged).toBe(
      `${path.slice(0, FIELD_LIMITS.path)}${TRUNCATION_MARKER}${path.length - FIELD_LIMITS.path} chars]`,
    );
    expect(lines[0]?.length).toBeLessThan(2_000);
  });

  it("never cuts a surrogate pair in half", () => {
    const { lines, sink } = capture();
    const requestId = `${"x".repeat(FIELD_LIMITS.requestId - 1)}😀tail`;
    createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "INFO", sink }).request({
      ...record,
      requestId,
    });
    const logged = JSON.parse(lines[0] ?? "").requestId as string;
    expect(logged.startsWith(`${"x".repeat(FIELD_LIMITS.requestId - 1)}${TRUNCATION_MARKER}`)).toBe(
      true,
    );
    expect(lines[0]).not.toMatch(/\\ud83d(?!\\ude00)/);
  });

  it("escapes U+2028 and U+2029 so no line breaks inside a line", () => {
    const { lines, sink } = capture();
    createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "INFO", sink }).request({
      ...record,
      path: "/a\u2028b\u2029c",
    });
    expect(lines[0]).not.toMatch(/[\u2028\u2029]/);
    expect(lines[0]).toContain("\\u2028");
    expect(JSON.parse(lines[0] ?? "").path).toBe("/a\u2028b\u2029c");
  });

  it("writes one bounded JSON line for any method, path and request id (fast-check)", () => {
    const { lines, sink } = capture();
    const logger = createJsonLinesRequestLogger({ serviceName: "svc", logLevel: "INFO", sink });
    const text = fc.string({ unit: "binary", maxLength: 3_000 });
    fc.assert(
      fc.property(text, text, text, (requestId, method, path) => {
        lines.length = 0;
        logger.request({ ...record, requestId, method, path });
        const line = lines[0] ?? "";
        expect(lines).toHaveLength(1);
        expect(line.indexOf("\n")).toBe(line.length - 1);
        expect(line).not.toMatch(/[\u2028\u2029\r]/);
        const parsed = JSON.parse(line);
        const slack = TRUNCATION_MARKER.length + 20;
        expect(parsed.requestId.length).toBeLessThanOrEqual(FIELD_LIMITS.requestId + slack);
        expect(parsed.method.length).toBeLessThanOrEqual(FIELD_LIMITS.method + slack);
        expect(parsed.path.length).toBeLessThanOrEqual(FIELD_LIMITS.path + slack);
      }),
      { numRuns: 1_000 },
    );
  });

  it("writes every string exactly as JSON.stringify would, U+2028/U+2029 escaped (fast-check)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (value) => {
        const expected = JSON.stringify(value)
          .replace(/\u2028/g, "\\u2028")
          .replace(/\u2029/g, "\\u2029");
        expect(jsonString(value, 1_000)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it("writes the same timestamp as Date#toISOString, whatever the order of the instants", () => {
    const instants = fc.integer({ min: -62_000_000_000_000, max: 253_000_000_000_000 });
    fc.assert(
      fc.property(
        fc.array(instants, { minLength: 1, maxLength: 5 }),
        fc.nat(2_500),
        (starts, step) => {
          for (const start of starts) {
            for (const now of [start, start + step, start + 2 * step]) {
              expect(isoTimestamp(now)).toBe(new Date(now).toISOString());
            }
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("writes the server's own events as JSON lines and survives a throwing field", () => {
    const { lines, sink } = capture();
    const log = createJsonLinesEventLog({ serviceName: "svc", sink });
    const fields = {
      signal: "SIGTERM",
      get exploding(): string {
        throw new Error("getter");
      },
    };
    expect(() => log("INFO", "draining", fields)).not.toThrow();
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      level: "INFO",
      message: "draining",
      service: "svc",
      signal: "SIGTERM",
    });
  });
});

describe("the log of the built server bundle (real stdout)", () => {
  const bundle = join(repositoryRoot, "function/dist/server.mjs");
  const secrets = [
    "Bearer SECRET-TOKEN-4f9a",
    "sk_live_SECRET-KEY-77",
    "session=SECRET-COOKIE-1",
    "hunter2-SECRET-BODY",
  ];
  let child: ChildProcess;
  let stdout = "";
  let url = "";

  beforeAll(async () => {
    if (!existsSync(bundle))
      throw new Error(`${bundle} is missing: run \`npm run build\` first (npm test does)`);
    child = spawn(process.execPath, [bundle], {
      env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", VERSION: "log-test-1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    url = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stderr);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    });
    await fetch(`${url}/`, {
      method: "POST",
      headers: {
        authorization: secrets[0] ?? "",
        "x-api-key": secrets[1] ?? "",
        cookie: secrets[2] ?? "",
        "content-type": "application/json",
      },
      body: JSON.stringify({ user: "Ada", password: secrets[3] }),
    });
    await fetch(`${url}/robots.txt`, { headers: { authorization: secrets[0] ?? "" } });
    await fetch(`${url}/`, { method: "POST", body: `not json ${secrets[3]}` });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });

  it("has one JSON line per request with id, method, path, status, duration and version", () => {
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: "POST", path: "/", status: 200 },
      { method: "GET", path: "/robots.txt", status: 404 },
      { method: "POST", path: "/", status: 400 },
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({
        level: "INFO",
        version: "log-test-1",
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(line.durationMs).toEqual(expect.any(Number));
    }
  });

  it("never contains header values or bodies", () => {
    expect(stdout.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(stdout).not.toContain(secret.split(" ").at(-1));
    expect(stdout).not.toContain("Ada");
    expect(stdout).not.toMatch(/authorization|x-api-key|cookie|password/i);
  });
});

describe("the Powertools request logger (the measured alternative)", () => {
  it("writes the same fields through Powertools' Logger to stdout", () => {
    const written: string[] = [];
    // Powertools writes through its own Console on process.stdout; catch the write at that boundary.
    const spy = vi
      .spyOn(process.stdout, "write")
      .mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    try {
      createPowertoolsRequestLogger({ serviceName: "svc", logLevel: "INFO" }).request(record);
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0] ?? "")).toMatchObject({
      level: "INFO",
      message: "request",
      service: "svc",
      ...record,
    });
  });
});
