import { describe, expect, it } from "vitest";
import type { Core } from "../src/core/contract.js";
import { ServiceError, ValidationError } from "../src/core/errors.js";
import { greetingCore } from "../src/core/greeting.js";
import { GENERIC_ERROR_DETAILS } from "../src/http/error-response.js";
import { SECURITY_HEADERS } from "../src/http/headers.js";
import { createPipeline } from "../src/http/pipeline.js";
import type { HttpRequest, HttpResponse } from "../src/http/types.js";
import { makeRequest, recordingLogger } from "./support/events.js";

const VERSION = "1.2.3-test";

/**
 * The pipeline around a synchronous core, whose answers must come back synchronously (no
 * Promise, so no microtask): `handle` here fails the test if they do not.
 */
function pipelineWith(core: Core = greetingCore) {
  const logger = recordingLogger();
  const pipeline = createPipeline({ core, version: VERSION, logger });
  return {
    logger,
    pipeline: {
      handle(request: HttpRequest): HttpResponse {
        const response = pipeline.handle(request);
        if (response instanceof Promise) throw new Error("a synchronous core was answered async");
        return response;
      },
      reject: pipeline.reject,
    },
  };
}

function bodyOf(response: { body: string }): unknown {
  return JSON.parse(response.body);
}

describe("the pipeline on /", () => {
  it.each(["GET", "POST"])("answers %s / without a body with the Pilot greeting", (method) => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(makeRequest({ method }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      version: VERSION,
      status: "success",
      message: "Request processed successfully.",
      result: { message: "Hello Pilot! All OK!", status: "works", subsystem: "agnostic-core-v3" },
    });
  });

  it("keeps v2's key order in the success body", () => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(makeRequest({ method: "POST", body: '{"user":"Ada"}' }));
    expect(response.body).toBe(
      '{"version":"1.2.3-test","status":"success","message":"Request processed successfully.","result":{"message":"Hello Ada! All OK!","status":"works","subsystem":"agnostic-core-v3"}}',
    );
  });

  it("decodes a base64 body", () => {
    const { pipeline } = pipelineWith();
    const body = Buffer.from('{"user":"Grace"}').toString("base64");
    const response = pipeline.handle(makeRequest({ method: "POST", body, isBase64Encoded: true }));
    expect(bodyOf(response)).toMatchObject({ result: { message: "Hello Grace! All OK!" } });
  });

  it("answers invalid JSON with 400 and the parser's explanation", () => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(makeRequest({ method: "POST", body: "Hello from client!" }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: "Invalid JSON input",
      details: expect.stringContaining("is not valid JSON"),
      version: VERSION,
    });
  });

  it("answers a non-object body with 422 naming the body", () => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(makeRequest({ method: "POST", body: "[1]" }));
    expect(response.statusCode).toBe(422);
    expect(bodyOf(response)).toEqual({
      error: "Unprocessable Entity",
      field: "body",
      details: "the body must be a JSON object, got array",
      version: VERSION,
    });
  });

  it("answers a bad user with 422 naming the field and the rule", () => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(makeRequest({ method: "POST", body: '{"user":7}' }));
    expect(response.statusCode).toBe(422);
    expect(bodyOf(response)).toEqual({
      error: "Unprocessable Entity",
      field: "user",
      details: '"user" must be a string of 1 to 64 characters, got number',
      version: VERSION,
    });
  });

  it("answers a body over 64 KiB with 413", () => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(
      makeRequest({ method: "POST", body: "x".repeat(64 * 1024 + 1) }),
    );
    expect(response.statusCode).toBe(413);
    expect(bodyOf(response)).toEqual({
      error: "Payload Too Large",
      details: "the body must be at most 65536 bytes",
      version: VERSION,
    });
  });

  it("answers bad base64 with 400 Bad Request", () => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(
      makeRequest({ method: "POST", body: "%%%", isBase64Encoded: true }),
    );
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({
      error: "Bad Request",
      details: expect.stringContaining("base64"),
    });
  });

  it("answers HEAD like GET, without a body but with the GET body's Content-Length", () => {
    const { pipeline } = pipelineWith();
    const get = pipeline.handle(makeRequest({ method: "GET" }));
    const head = pipeline.handle(makeRequest({ method: "HEAD" }));
    expect(head.statusCode).toBe(get.statusCode);
    expect(head.headers).toEqual({
      ...get.headers,
      "content-length": String(Buffer.byteLength(get.body)),
    });
    expect(head.body).toBe("");
  });

  it("answers OPTIONS with 204 and the allowed methods", () => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(makeRequest({ method: "OPTIONS" }));
    expect(response.statusCode).toBe(204);
    expect(response.headers.allow).toBe("GET, HEAD, OPTIONS, POST");
    expect(response.body).toBe("");
  });

  it.each(["PUT", "DELETE", "PATCH", "TRACE", "get", "BREW"])(
    "answers %s / with 405 and an Allow header",
    (method) => {
      const { pipeline } = pipelineWith();
      const response = pipeline.handle(makeRequest({ method }));
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe("GET, HEAD, OPTIONS, POST");
      expect(bodyOf(response)).toEqual({
        error: "Method Not Allowed",
        method,
        allowed: ["GET", "HEAD", "OPTIONS", "POST"],
        version: VERSION,
      });
    },
  );
});

describe("the pipeline elsewhere", () => {
  it("answers GET /health with ok and the version", () => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(makeRequest({ path: "/health" }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: "ok", version: VERSION });
  });

  it("answers POST /health with 405", () => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(makeRequest({ method: "POST", path: "/health" }));
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe("GET, HEAD, OPTIONS");
  });

  it.each(["/robots.txt", "/my/path", "//", "/health/", "/index.html"])(
    "answers %s with v2's 404",
    (path) => {
      const { pipeline } = pipelineWith();
      const response = pipeline.handle(makeRequest({ method: "POST", path }));
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response)).toEqual({ error: "Not Found", path, version: VERSION });
    },
  );

  it("answers 404 on unknown paths whatever the method", () => {
    const { pipeline } = pipelineWith();
    expect(pipeline.handle(makeRequest({ method: "DELETE", path: "/nope" })).statusCode).toBe(404);
  });
});

describe("security headers", () => {
  it.each([
    ["200", makeRequest()],
    ["204", makeRequest({ method: "OPTIONS" })],
    ["400", makeRequest({ method: "POST", body: "{" })],
    ["404", makeRequest({ path: "/x" })],
    ["405", makeRequest({ method: "PUT" })],
    ["413", makeRequest({ method: "POST", body: "x".repeat(70_000) })],
    ["422", makeRequest({ method: "POST", body: "1" })],
  ])("are all on a %s response", (status, request) => {
    const { pipeline } = pipelineWith();
    const response = pipeline.handle(request);
    expect(String(response.statusCode)).toBe(status);
    expect(response.headers).toMatchObject(SECURITY_HEADERS);
  });

  it("are all on a 500 response", () => {
    const { pipeline } = pipelineWith(() => {
      throw new Error("boom");
    });
    expect(pipeline.handle(makeRequest()).headers).toMatchObject(SECURITY_HEADERS);
  });

  it("include v2's set and the ZAP additions with their exact values", () => {
    expect(SECURITY_HEADERS).toEqual({
      "content-type": "application/json",
      "strict-transport-security": "max-age=31536000; includeSubDomains",
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache, no-store, must-revalidate, proxy-revalidate",
      pragma: "no-cache",
      expires: "0",
      "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "cross-origin-resource-policy": "same-origin",
    });
  });

  it("are a fresh object per response, so one response cannot alter the next", () => {
    const { pipeline } = pipelineWith();
    const first = pipeline.handle(makeRequest());
    first.headers["x-frame-options"] = "ALLOW";
    expect(pipeline.handle(makeRequest()).headers["x-frame-options"]).toBe("DENY");
  });
});

describe("a pluggable core", () => {
  it("runs any function that satisfies the contract", () => {
    const { pipeline } = pipelineWith((payload) => ({ keys: Object.keys(payload).sort() }));
    const response = pipeline.handle(makeRequest({ method: "POST", body: '{"b":1,"a":2}' }));
    expect(bodyOf(response)).toMatchObject({ status: "success", result: { keys: ["a", "b"] } });
  });

  it("maps the core's own 4xx ServiceError to its status and message", () => {
    class ConflictError extends ServiceError {
      readonly statusCode = 409;
    }
    const { pipeline } = pipelineWith(() => {
      throw new ConflictError("already booked");
    });
    const response = pipeline.handle(makeRequest());
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toEqual({
      error: "Conflict",
      details: "already booked",
      version: VERSION,
    });
  });

  it("maps the core's ValidationError to 422", () => {
    const { pipeline } = pipelineWith(() => {
      throw new ValidationError("seat", '"seat" is taken');
    });
    expect(pipeline.handle(makeRequest()).statusCode).toBe(422);
  });

  it.each([
    [
      "throws a plain Error",
      (() => {
        throw new Error("database password is hunter2");
      }) as Core,
    ],
    [
      "throws a non-Error",
      (() => {
        throw "raw string";
      }) as Core,
    ],
    ["returns null", (() => null) as unknown as Core],
    ["returns an array", (() => []) as unknown as Core],
    ["returns a BigInt inside", (() => ({ n: 1n })) as unknown as Core],
    [
      "returns a cycle",
      (() => {
        const cycle: Record<string, unknown> = {};
        cycle.self = cycle;
        return cycle;
      }) as unknown as Core,
    ],
    [
      "throws a ServiceError with a 5xx status",
      (() => {
        class UpstreamError extends ServiceError {
          readonly statusCode = 503;
        }
        throw new UpstreamError("upstream db-7.internal timed out");
      }) as Core,
    ],
  ])("answers a generic 500 and logs the error when the core %s", (_label, core) => {
    const { pipeline, logger } = pipelineWith(core);
    const response = pipeline.handle(makeRequest({ requestId: "r-500" }));
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: "Internal Server Error",
      details: GENERIC_ERROR_DETAILS,
      version: VERSION,
    });
    expect(response.body).not.toMatch(/hunter2|db-7|at .*\.ts/);
    expect(logger.errors).toHaveLength(1);
    expect(logger.errors[0]?.requestId).toBe("r-500");
  });

  it("does not log client mistakes as unexpected errors", () => {
    const { pipeline, logger } = pipelineWith();
    pipeline.handle(makeRequest({ method: "POST", body: "{" }));
    expect(logger.errors).toEqual([]);
  });
});

describe("the request log", () => {
  it("gets exactly one record per request with id, method, path, status, duration and version", () => {
    const { pipeline, logger } = pipelineWith();
    pipeline.handle(
      makeRequest({ method: "POST", path: "/", requestId: "abc", body: '{"user":"Ada"}' }),
    );
    pipeline.handle(makeRequest({ method: "GET", path: "/missing", requestId: "def" }));
    expect(logger.records).toEqual([
      {
        requestId: "abc",
        method: "POST",
        path: "/",
        status: 200,
        durationMs: expect.any(Number),
        version: VERSION,
      },
      {
        requestId: "def",
        method: "GET",
        path: "/missing",
        status: 404,
        durationMs: expect.any(Number),
        version: VERSION,
      },
    ]);
    expect(logger.records[0]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("records rejected requests too", () => {
    const { pipeline, logger } = pipelineWith();
    const response = pipeline.reject(new Error("bad event"), {
      method: "-",
      path: "-",
      requestId: "x",
    });
    expect(response.statusCode).toBe(500);
    expect(logger.records).toHaveLength(1);
    expect(logger.records[0]?.status).toBe(500);
  });
});
