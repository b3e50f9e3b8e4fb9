import { afterEach, describe, expect, it, vi } from "vitest";
import { createLambdaHandler } from "../src/adapters/lambda.js";
import { createLocalServer, listen } from "../src/adapters/local-server.js";
import type { Core, CoreContext } from "../src/core/contract.js";
import { ValidationError } from "../src/core/errors.js";
import { greetingCore } from "../src/core/greeting.js";
import { safeLogFields } from "../src/http/core-context.js";
import { DEADLINE_ERROR_DETAILS, GENERIC_ERROR_DETAILS } from "../src/http/error-response.js";
import { DeadlineExceededError } from "../src/http/errors.js";
import { SECURITY_HEADERS } from "../src/http/headers.js";
import { createPipeline } from "../src/http/pipeline.js";
import { createJsonLinesRequestLogger } from "../src/logging/json-lines.js";
import {
  lambdaContext,
  makeFunctionUrlEvent,
  makeRequest,
  recordingLogger,
} from "./support/events.js";

const VERSION = "async-1";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A core that looks the user up (here: waits a tick) before answering, as real logic would. */
const lookupCore: Core = async (payload) => {
  await sleep(1);
  return greetingCore(payload);
};

/** A core that never answers, and reports whether its signal fired. */
function hangingCore(seen: { signal?: AbortSignal }): Core {
  return (_payload, context) => {
    seen.signal = context.signal;
    return new Promise(() => undefined);
  };
}

/** A Lambda context with `remainingMs` left, counted from now. */
function contextWithRemaining(remainingMs: number) {
  const deadline = Date.now() + remainingMs;
  return { ...lambdaContext, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

function lambdaWith(core: Core, deadlineMarginMs?: number) {
  const logger = recordingLogger();
  const handler = createLambdaHandler(core, { version: VERSION, logger, deadlineMarginMs });
  return { logger, handler };
}

const post = (body: string, requestId = "req-async") =>
  makeFunctionUrlEvent({
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
    requestId,
  });

describe("the Lambda adapter with an async core", () => {
  it("answers the awaited result in the success envelope", async () => {
    const { handler } = lambdaWith(lookupCore);
    const result = await handler(post('{"user":"Ada"}'), lambdaContext);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({
      version: VERSION,
      status: "success",
      message: "Request processed successfully.",
      result: { message: "Hello Ada! All OK!", status: "works", subsystem: "agnostic-core-v3" },
    });
    expect(result.headers).toEqual(SECURITY_HEADERS);
  });

  it("answers an awaited ValidationError with 422 naming the field", async () => {
    const { handler, logger } = lambdaWith(lookupCore);
    const result = await handler(post('{"user":""}'), lambdaContext);
    expect(result.statusCode).toBe(422);
    expect(JSON.parse(result.body)).toEqual({
      error: "Unprocessable Entity",
      field: "user",
      details: '"user" must be a string of 1 to 64 characters, got 0',
      version: VERSION,
    });
    expect(result.headers).toEqual(SECURITY_HEADERS);
    expect(logger.errors).toEqual([]);
  });

  it("answers an awaited failure with the generic 500 and puts the error in the log", async () => {
    const failure = new Error("table users-prod is throttled");
    const { handler, logger } = lambdaWith(async () => {
      await sleep(1);
      throw failure;
    });
    const result = await handler(post("{}", "req-fails"), lambdaContext);
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({
      error: "Internal Server Error",
      details: GENERIC_ERROR_DETAILS,
      version: VERSION,
    });
    expect(result.body).not.toContain("users-prod");
    expect(result.headers).toEqual(SECURITY_HEADERS);
    expect(logger.errors).toEqual([{ error: failure, requestId: "req-fails" }]);
    expect(logger.records).toEqual([expect.objectContaining({ status: 500 })]);
  });

  it.each<[string, () => unknown]>([
    ["rejects with a non-Error", () => Promise.reject("raw string")],
    ["rejects with undefined", () => Promise.reject(undefined)],
    ["resolves to a value JSON cannot serialise", async () => ({ n: 1n })],
    [
      "resolves to a cycle",
      async () => {
        const cycle: Record<string, unknown> = {};
        cycle.self = cycle;
        return cycle;
      },
    ],
    ["resolves to an array", async () => [1, 2]],
    ["resolves to undefined", async () => undefined],
    [
      "returns a thenable whose then throws",
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: the point is a thenable that breaks
        then() {
          throw new Error("broken thenable");
        },
      }),
    ],
  ])(
    "answers a generic 500 (never a rejected invocation) when the core %s",
    async (_label, core) => {
      const { handler, logger } = lambdaWith(core as unknown as Core);
      const result = await handler(post("{}"), lambdaContext);
      expect(result.statusCode).toBe(500);
      expect(JSON.parse(result.body)).toMatchObject({ details: GENERIC_ERROR_DETAILS });
      expect(result.headers).toEqual(SECURITY_HEADERS);
      expect(logger.errors).toHaveLength(1);
    },
  );

  it("answers 504 with the contract body and headers when the core is still running at its deadline", async () => {
    const seen: { signal?: AbortSignal } = {};
    const { handler, logger } = lambdaWith(hangingCore(seen), 20);
    const result = await handler(post("{}", "req-slow"), contextWithRemaining(60));
    expect(result.statusCode).toBe(504);
    expect(JSON.parse(result.body)).toEqual({
      error: "Gateway Timeout",
      details: DEADLINE_ERROR_DETAILS,
      version: VERSION,
    });
    expect(result.headers).toEqual(SECURITY_HEADERS);
    expect(seen.signal?.aborted).toBe(true);
    expect(seen.signal?.reason).toBeInstanceOf(DeadlineExceededError);
    expect(logger.errors).toEqual([
      { error: expect.any(DeadlineExceededError), requestId: "req-slow" },
    ]);
    expect(logger.records).toEqual([
      expect.objectContaining({ requestId: "req-slow", status: 504 }),
    ]);
  });

  it("keeps the margin back from Lambda's remaining time", async () => {
    const { handler } = lambdaWith(async (payload) => {
      await sleep(payload.workMs as number);
      return { done: true };
    });
    // 1000 ms left, 500 ms kept back: 20 ms of work fits.
    const result = await handler(post('{"workMs":20}'), contextWithRemaining(1000));
    expect(result.statusCode).toBe(200);
    // 520 ms left, 500 ms kept back: 300 ms of work does not.
    const late = await handler(post('{"workMs":300}'), contextWithRemaining(520));
    expect(late.statusCode).toBe(504);
  });

  it("logs a failure the core reports after its 504, and lets nothing go unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const late = new Error("gave up after the deadline");
      const { handler, logger } = lambdaWith(async (_payload, { signal }) => {
        await new Promise((resolve) => signal.addEventListener("abort", resolve));
        throw late;
      }, 0);
      const result = await handler(post("{}", "req-late"), contextWithRemaining(10));
      expect(result.statusCode).toBe(504);
      await sleep(5);
      expect(logger.errors.map(({ error }) => error)).toEqual([
        expect.any(DeadlineExceededError),
        late,
      ]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("the pipeline's core context", () => {
  it("hands the core the request id, a logger and a live signal", async () => {
    const seen: CoreContext[] = [];
    const logger = recordingLogger();
    const pipeline = createPipeline({
      version: VERSION,
      logger,
      core: (_payload, context) => {
        seen.push(context);
        context.logger.info("looked up", { user: "u-1", durationMs: 3 });
        return { ok: true };
      },
    });
    pipeline.handle(makeRequest({ requestId: "ctx-1" }));
    expect(seen[0]?.requestId).toBe("ctx-1");
    expect(seen[0]?.signal.aborted).toBe(false);
    expect(logger.coreLines).toEqual([
      {
        level: "INFO",
        message: "looked up",
        requestId: "ctx-1",
        fields: { user: "u-1", durationMs: 3 },
      },
    ]);
  });

  it("answers a synchronous core synchronously, without a Promise", () => {
    const pipeline = createPipeline({
      version: VERSION,
      logger: recordingLogger(),
      core: greetingCore,
    });
    const response = pipeline.handle(makeRequest(), contextWithRemaining(1000));
    expect(response).not.toBeInstanceOf(Promise);
  });

  it("starts no deadline timer for a synchronous core", () => {
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      const pipeline = createPipeline({
        version: VERSION,
        logger: recordingLogger(),
        core: greetingCore,
      });
      pipeline.handle(makeRequest(), contextWithRemaining(1000));
      expect(timers).not.toHaveBeenCalled();
    } finally {
      timers.mockRestore();
    }
  });

  it("gives a signal that is already aborted to a core asking for it after the deadline", async () => {
    let seen: CoreContext | undefined;
    const pipeline = createPipeline({
      version: VERSION,
      logger: recordingLogger(),
      deadlineMarginMs: 0,
      core: (_payload, context) => {
        seen = context;
        return new Promise(() => undefined);
      },
    });
    const response = await pipeline.handle(makeRequest(), contextWithRemaining(5));
    expect(response.statusCode).toBe(504);
    // The first access to the signal comes after the deadline passed.
    expect(seen?.signal.aborted).toBe(true);
    expect(seen?.signal.reason).toBeInstanceOf(DeadlineExceededError);
  });
});

describe("the core's logger", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes a JSON line with the level, service and request id, and never a body or headers", () => {
    const lines: string[] = [];
    const logger = createJsonLinesRequestLogger({
      serviceName: "svc",
      logLevel: "DEBUG",
      sink: (line) => lines.push(line),
    });
    const pipeline = createPipeline({
      version: VERSION,
      logger,
      core: (payload, context) => {
        context.logger.warn("suspicious", {
          user: "u-1",
          body: payload,
          request: { headers: { authorization: "Bearer secret-token" }, Cookie: "sid=secret" },
          level: "forged",
          requestId: "forged",
        });
        return {};
      },
    });
    pipeline.handle(
      makeRequest({ method: "POST", body: '{"password":"hunter2"}', requestId: "log-1" }),
    );
    const coreLine = lines
      .map((line) => JSON.parse(line))
      .find((line) => line.message === "suspicious");
    expect(coreLine).toEqual({
      level: "WARN",
      message: "suspicious",
      timestamp: expect.any(String),
      service: "svc",
      requestId: "log-1",
      user: "u-1",
      body: "[redacted]",
      request: { headers: "[redacted]", Cookie: "[redacted]" },
    });
    expect(lines.join("")).not.toMatch(/hunter2|secret-token|sid=secret/);
  });

  it("respects the log level", () => {
    const lines: string[] = [];
    const logger = createJsonLinesRequestLogger({
      serviceName: "svc",
      logLevel: "WARN",
      sink: (line) => lines.push(line),
    });
    const pipeline = createPipeline({
      version: VERSION,
      logger,
      core: (_payload, context) => {
        context.logger.debug("detail");
        context.logger.info("progress");
        context.logger.error("trouble");
        return {};
      },
    });
    pipeline.handle(makeRequest());
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(["trouble"]);
  });

  it("turns Errors, bigints and unserialisable fields into safe JSON instead of throwing", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(safeLogFields({ error: new TypeError("bad"), count: 2n })).toEqual({
      error: { name: "TypeError", message: "bad", stack: expect.stringContaining("TypeError") },
      count: "2",
    });
    expect(safeLogFields({ cycle })).toEqual({
      logFieldsError: expect.stringContaining("could not be serialised"),
    });
  });
});

describe("the local server with an async core", () => {
  async function serve(core: Core, requestTimeoutMs?: number) {
    const logger = recordingLogger();
    const handler = createLambdaHandler(core, { version: VERSION, logger, deadlineMarginMs: 0 });
    const started = await listen(
      createLocalServer({ handler, version: VERSION, logger, requestTimeoutMs }),
      "127.0.0.1",
      0,
    );
    return { logger, started };
  }

  const postTo = (url: string, body: string) =>
    fetch(`${url}/`, { method: "POST", headers: { "content-type": "application/json" }, body });

  it("answers the awaited result over HTTP", async () => {
    const { started } = await serve(lookupCore);
    try {
      const response = await postTo(started.url, '{"user":"Ada"}');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ result: { message: "Hello Ada! All OK!" } });
    } finally {
      await started.close();
    }
  });

  it("answers an awaited ValidationError with 422 naming the field", async () => {
    const { started } = await serve(async () => {
      await sleep(1);
      throw new ValidationError("userId", '"userId" must be a UUID');
    });
    try {
      const response = await postTo(started.url, "{}");
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual({
        error: "Unprocessable Entity",
        field: "userId",
        details: '"userId" must be a UUID',
        version: VERSION,
      });
    } finally {
      await started.close();
    }
  });

  it("answers an awaited failure with 500, logs it, and keeps serving", async () => {
    const failure = new Error("connection refused");
    const { started, logger } = await serve(async (payload) => {
      await sleep(1);
      if (payload.fail === true) throw failure;
      return { ok: true };
    });
    try {
      const failed = await postTo(started.url, '{"fail":true}');
      expect(failed.status).toBe(500);
      expect(await failed.json()).toMatchObject({ details: GENERIC_ERROR_DETAILS });
      expect(logger.errors.map(({ error }) => error)).toEqual([failure]);
      const health = await fetch(`${started.url}/health`);
      expect(health.status).toBe(200);
      const next = await postTo(started.url, "{}");
      expect(await next.json()).toMatchObject({ result: { ok: true } });
    } finally {
      await started.close();
    }
  });

  it("answers 504 with every security header when the core outlives REQUEST_TIMEOUT_MS", async () => {
    const seen: { signal?: AbortSignal } = {};
    const { started, logger } = await serve(hangingCore(seen), 50);
    try {
      const response = await postTo(started.url, "{}");
      expect(response.status).toBe(504);
      expect(Object.fromEntries(response.headers)).toMatchObject(SECURITY_HEADERS);
      expect(await response.json()).toEqual({
        error: "Gateway Timeout",
        details: DEADLINE_ERROR_DETAILS,
        version: VERSION,
      });
      expect(seen.signal?.aborted).toBe(true);
      expect(logger.errors).toEqual([
        { error: expect.any(DeadlineExceededError), requestId: expect.any(String) },
      ]);
      expect((await fetch(`${started.url}/health`)).status).toBe(200);
    } finally {
      await started.close();
    }
  });
});
