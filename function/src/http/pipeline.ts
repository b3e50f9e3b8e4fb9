import type { Core } from "../core/contract.js";
import { decodeBody, parsePayload } from "./body.js";
import { RequestCoreContext } from "./core-context.js";
import { errorToResponse, isClientMistake } from "./error-response.js";
import { DeadlineExceededError, MethodNotAllowedError, NotFoundError } from "./errors.js";
import { responseHeaders } from "./headers.js";
import type { RequestLogger } from "./request-log.js";
import type { HttpRequest, HttpResponse, RequestSummary } from "./types.js";

/** The success envelope's fixed fields: `{ version, status, message, result }`. */
export const SUCCESS_STATUS = "success";
export const SUCCESS_MESSAGE = "Request processed successfully.";

export const ROOT_METHODS: readonly string[] = Object.freeze(["GET", "HEAD", "OPTIONS", "POST"]);
export const HEALTH_METHODS: readonly string[] = Object.freeze(["GET", "HEAD", "OPTIONS"]);

/** Time kept back from the deadline to answer 504 before the runtime stops the function. */
export const DEFAULT_DEADLINE_MARGIN_MS = 500;

// setTimeout's largest delay; a longer one fires at once.
const LONGEST_TIMER_MS = 2_147_483_647;

export interface PipelineOptions {
  /** The business logic behind `/`. */
  readonly core: Core;
  /** Reported in every body and log line (the image tag or commit). */
  readonly version: string;
  readonly logger: RequestLogger;
  /**
   * How long before the request's deadline an async core's signal fires and the client is
   * answered 504: time to write the answer before the runtime stops the function.
   * @default 500 (DEFAULT_DEADLINE_MARGIN_MS)
   */
  readonly deadlineMarginMs?: number;
}

/** The time one request has left; the Lambda `Context` is one. */
export interface RequestDeadline {
  getRemainingTimeInMillis(): number;
}

/** The request pipeline every adapter shares: routing, body handling, headers, error mapping, logging. */
export interface Pipeline {
  /**
   * Answers one request; never throws, and a returned Promise never rejects. The answer is
   * synchronous unless the core returned a Promise: a synchronous core costs no `await`.
   * Without `deadline` an async core is awaited for as long as it takes.
   */
  handle(request: HttpRequest, deadline?: RequestDeadline): HttpResponse | Promise<HttpResponse>;
  /**
   * Answers a request the adapter could not even translate (a malformed event), through the
   * same error mapping and log line. Never throws.
   */
  reject(error: unknown, summary: RequestSummary): HttpResponse;
}

/**
 * Builds the pipeline around a core.
 *
 * @example
 * const pipeline = createPipeline({ core: greetingCore, version: "1.2.3", logger });
 * pipeline.handle({ method: "GET", path: "/health", headers: {}, body: undefined, isBase64Encoded: false, requestId: "r1" });
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const { core, version, logger } = options;
  const marginMs = options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
  // The success envelope's fixed part is serialised once; only `result` changes per request.
  const successPrefix = `{"version":${JSON.stringify(version)},"status":${JSON.stringify(SUCCESS_STATUS)},"message":${JSON.stringify(SUCCESS_MESSAGE)},"result":`;
  const healthBody = JSON.stringify({ status: "ok", version });

  function route(
    request: HttpRequest,
    deadline: RequestDeadline | undefined,
  ): HttpResponse | Promise<HttpResponse> {
    const { method, path } = request;
    if (path === "/") {
      if (method === "POST" || method === "GET" || method === "HEAD") {
        const payload = parsePayload(decodeBody(request.body, request.isBase64Encoded));
        const context = new RequestCoreContext(request.requestId, logger);
        const result: unknown = core(payload, context);
        if (isThenable(result)) return awaitCore(result, context, deadline);
        return success(result);
      }
      return optionsOrRefuse(method, ROOT_METHODS);
    }
    if (path === "/health") {
      if (method === "GET" || method === "HEAD") {
        return { statusCode: 200, headers: responseHeaders(), body: healthBody };
      }
      return optionsOrRefuse(method, HEALTH_METHODS);
    }
    throw new NotFoundError(path);
  }

  function success(result: unknown): HttpResponse {
    return { statusCode: 200, headers: responseHeaders(), body: successBody(result) };
  }

  /**
   * Waits for an async core until its deadline. Resolves with the answer, never rejects: a
   * rejection is mapped like a throw, an overrun is a 504, and whatever the core's promise does
   * after that is handled (a late failure is logged, a late result dropped).
   */
  function awaitCore(
    pending: PromiseLike<unknown>,
    context: RequestCoreContext,
    deadline: RequestDeadline | undefined,
  ): Promise<HttpResponse> {
    const requestId = context.requestId;
    return new Promise<HttpResponse>((resolve) => {
      let answered = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (deadline !== undefined) {
        const budgetMs = Math.max(0, Math.floor(deadline.getRemainingTimeInMillis() - marginMs));
        timer = setTimeout(
          () => {
            answered = true;
            const overrun = new DeadlineExceededError(budgetMs);
            context.expire(overrun);
            resolve(fail(overrun, requestId));
          },
          Math.min(budgetMs, LONGEST_TIMER_MS),
        );
      }
      // Promise.resolve also adopts a foreign thenable, and turns a throwing `then` into a rejection.
      Promise.resolve(pending).then(
        (result) => {
          if (answered) return;
          answered = true;
          clearTimeout(timer);
          try {
            resolve(success(result));
          } catch (error) {
            resolve(fail(error, requestId));
          }
        },
        (error: unknown) => {
          if (answered) {
            // The client already has its 504; the failure still belongs in the log.
            logger.unexpectedError(error, requestId);
            return;
          }
          answered = true;
          clearTimeout(timer);
          resolve(fail(error, requestId));
        },
      );
    });
  }

  function successBody(result: unknown): string {
    if (result === null || typeof result !== "object" || Array.isArray(result)) {
      throw new TypeError(
        `the core returned ${typeof result}, the contract requires a JSON object`,
      );
    }
    const serialized: unknown = JSON.stringify(result);
    if (typeof serialized !== "string") {
      throw new TypeError("the core returned a value JSON.stringify cannot serialise");
    }
    return `${successPrefix}${serialized}}`;
  }

  function finish(
    response: HttpResponse,
    summary: RequestSummary,
    startedAt: number,
  ): HttpResponse {
    logger.request({
      requestId: summary.requestId,
      method: summary.method,
      path: summary.path,
      status: response.statusCode,
      durationMs: Math.round((performance.now() - startedAt) * 1000) / 1000,
      version,
    });
    if (summary.method !== "HEAD") return response;
    // HEAD mirrors GET, headers and status included, without a body but with the GET's length.
    response.headers["content-length"] = String(Buffer.byteLength(response.body));
    return { ...response, body: "" };
  }

  function fail(error: unknown, requestId: string): HttpResponse {
    if (!isClientMistake(error)) logger.unexpectedError(error, requestId);
    return errorToResponse(error, version);
  }

  return {
    handle(request, deadline) {
      const startedAt = performance.now();
      let response: HttpResponse | Promise<HttpResponse>;
      try {
        response = route(request, deadline);
      } catch (error) {
        response = fail(error, request.requestId);
      }
      if (response instanceof Promise) {
        return response.then((settled) => finish(settled, request, startedAt));
      }
      return finish(response, request, startedAt);
    },
    reject(error, summary) {
      const startedAt = performance.now();
      return finish(fail(error, summary.requestId), summary, startedAt);
    },
  };
}

/** A Promise or anything else with a callable `then` (a JSON result cannot hold a function). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function optionsOrRefuse(method: string, allowed: readonly string[]): HttpResponse {
  if (method !== "OPTIONS") throw new MethodNotAllowedError(method, allowed);
  const headers = responseHeaders();
  headers.allow = allowed.join(", ");
  return { statusCode: 204, headers, body: "" };
}
