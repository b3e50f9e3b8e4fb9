import type {
  APIGatewayProxyEventV2,
  Context,
  LambdaFunctionURLEvent,
  LambdaFunctionURLResult,
} from "aws-lambda";
import type { Core } from "../core/contract.js";
import { BadRequestError } from "../http/errors.js";
import { createPipeline } from "../http/pipeline.js";
import type { RequestLogger } from "../http/request-log.js";
import type { HttpRequest, HttpResponse } from "../http/types.js";

/** A Lambda Function URL event or an API Gateway HTTP API (payload 2.0) event: the same shape. */
export type FunctionUrlEvent = LambdaFunctionURLEvent | APIGatewayProxyEventV2;

/** What the handler answers; Function URLs and HTTP APIs accept the same structured result. */
export type FunctionUrlResult = LambdaFunctionURLResult & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
};

export type LambdaHandler = (
  event: FunctionUrlEvent,
  context: Context,
) => Promise<FunctionUrlResult>;

export interface LambdaHandlerOptions {
  /** Reported in every body and log line (the image tag or commit). */
  readonly version: string;
  readonly logger: RequestLogger;
  /**
   * How long before `context.getRemainingTimeInMillis()` runs out an async core is answered 504
   * (and its signal fires), so the answer is written before Lambda stops the function.
   * @default 500 (DEFAULT_DEADLINE_MARGIN_MS)
   */
  readonly deadlineMarginMs?: number;
}

const SHAPE_HINT = "expected a Lambda Function URL or HTTP API v2 event";

/**
 * Converts a Function URL / HTTP API v2 event into the pipeline's request. Lambda can be
 * invoked with any JSON, so the shape is checked at run time; a mismatch throws a
 * `BadRequestError` naming the field.
 */
export function functionUrlEventToRequest(
  event: FunctionUrlEvent,
  fallbackRequestId: string,
): HttpRequest {
  const raw: unknown = event;
  if (!isRecord(raw)) throw new BadRequestError(`the event must be a JSON object; ${SHAPE_HINT}`);
  const requestContext = raw.requestContext;
  const http = isRecord(requestContext) ? requestContext.http : undefined;
  const method = isRecord(http) ? http.method : undefined;
  if (typeof method !== "string" || method.length === 0) {
    throw new BadRequestError(
      `event.requestContext.http.method must be a non-empty string; ${SHAPE_HINT}`,
    );
  }
  const path = raw.rawPath ?? (isRecord(http) ? http.path : undefined);
  if (typeof path !== "string" || path.length === 0) {
    throw new BadRequestError(`event.rawPath must be a non-empty string; ${SHAPE_HINT}`);
  }
  const headers = raw.headers ?? {};
  if (!isRecord(headers))
    throw new BadRequestError(`event.headers must be an object; ${SHAPE_HINT}`);
  const body = raw.body ?? undefined;
  if (body !== undefined && typeof body !== "string") {
    throw new BadRequestError(`event.body must be a string; ${SHAPE_HINT}`);
  }
  const isBase64Encoded = raw.isBase64Encoded ?? false;
  if (typeof isBase64Encoded !== "boolean") {
    throw new BadRequestError(`event.isBase64Encoded must be a boolean; ${SHAPE_HINT}`);
  }
  const requestId = isRecord(requestContext) ? requestContext.requestId : undefined;
  return {
    method,
    path,
    headers: headers as Record<string, string | undefined>,
    body,
    isBase64Encoded,
    requestId:
      typeof requestId === "string" && requestId.length > 0 ? requestId : fallbackRequestId,
  };
}

/** Converts the pipeline's response into the structured result Function URLs expect. */
export function responseToFunctionUrlResult(response: HttpResponse): FunctionUrlResult {
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    body: response.body,
    isBase64Encoded: false,
  };
}

/**
 * Builds the Lambda handler around any core: translate the event, run the shared pipeline,
 * translate the response. It never rejects: a malformed event is answered with a 400. An async
 * core's deadline is the invocation's: `context.getRemainingTimeInMillis()` minus the margin.
 *
 * @example export const handler = createLambdaHandler(greetingCore, { version, logger });
 */
export function createLambdaHandler(core: Core, options: LambdaHandlerOptions): LambdaHandler {
  const pipeline = createPipeline({
    core,
    version: options.version,
    logger: options.logger,
    deadlineMarginMs: options.deadlineMarginMs,
  });
  return async (event, context) => {
    let request: HttpRequest;
    try {
      request = functionUrlEventToRequest(event, context.awsRequestId);
    } catch (error) {
      return responseToFunctionUrlResult(
        pipeline.reject(error, summarizeMalformedEvent(event, context)),
      );
    }
    const response = pipeline.handle(request, context);
    // A synchronous core's answer is converted at once: no extra await on the fast path.
    return response instanceof Promise
      ? response.then(responseToFunctionUrlResult)
      : responseToFunctionUrlResult(response);
  };
}

/** The best method/path/id a malformed event offers for its log line. */
function summarizeMalformedEvent(event: unknown, context: Context) {
  const http =
    isRecord(event) && isRecord(event.requestContext) ? event.requestContext.http : undefined;
  const method = isRecord(http) && typeof http.method === "string" ? http.method : "-";
  const path = isRecord(event) && typeof event.rawPath === "string" ? event.rawPath : "-";
  return { method, path, requestId: context.awsRequestId };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
