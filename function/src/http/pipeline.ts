import type { Core } from "../core/contract.js";
import { decodeBody, parsePayload } from "./body.js";
import { errorToResponse, isClientMistake } from "./error-response.js";
import { MethodNotAllowedError, NotFoundError } from "./errors.js";
import { responseHeaders } from "./headers.js";
import type { RequestLogger } from "./request-log.js";
import type { HttpRequest, HttpResponse, RequestSummary } from "./types.js";

export const ROOT_METHODS: readonly string[] = Object.freeze(["GET", "HEAD", "OPTIONS", "POST"]);
export const HEALTH_METHODS: readonly string[] = Object.freeze(["GET", "HEAD", "OPTIONS"]);

export interface PipelineOptions {
  /** The business logic behind `/`. */
  readonly core: Core;
  /** Reported in every body and log line (the image tag or commit). */
  readonly version: string;
  readonly logger: RequestLogger;
}

/** The request pipeline every adapter shares: routing, body handling, headers, error mapping, logging. */
export interface Pipeline {
  /** Answers one request. Never throws. */
  handle(request: HttpRequest): HttpResponse;
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
  // The success envelope's fixed part is serialised once; only `result` changes per request.
  const successPrefix = `{"version":${JSON.stringify(version)},"status":"success","message":"Request processed successfully.","result":`;
  const healthBody = JSON.stringify({ status: "ok", version });

  function route(request: HttpRequest): HttpResponse {
    const { method, path } = request;
    if (path === "/") {
      if (method === "POST" || method === "GET" || method === "HEAD") {
        const payload = parsePayload(decodeBody(request.body, request.isBase64Encoded));
        const result = core(payload);
        return { statusCode: 200, headers: responseHeaders(), body: successBody(result) };
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
    // HEAD mirrors GET, headers and status included, without a body.
    return summary.method === "HEAD" ? { ...response, body: "" } : response;
  }

  function fail(error: unknown, requestId: string): HttpResponse {
    if (!isClientMistake(error)) logger.unexpectedError(error, requestId);
    return errorToResponse(error, version);
  }

  return {
    handle(request) {
      const startedAt = performance.now();
      let response: HttpResponse;
      try {
        response = route(request);
      } catch (error) {
        response = fail(error, request.requestId);
      }
      return finish(response, request, startedAt);
    },
    reject(error, summary) {
      const startedAt = performance.now();
      return finish(fail(error, summary.requestId), summary, startedAt);
    },
  };
}

function optionsOrRefuse(method: string, allowed: readonly string[]): HttpResponse {
  if (method !== "OPTIONS") throw new MethodNotAllowedError(method, allowed);
  const headers = responseHeaders();
  headers.allow = allowed.join(", ");
  return { statusCode: 204, headers, body: "" };
}
