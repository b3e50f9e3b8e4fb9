import { ServiceError, ValidationError } from "../core/errors.js";
import {
  BadRequestError,
  DeadlineExceededError,
  InvalidJsonError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
} from "./errors.js";
import { responseHeaders } from "./headers.js";
import type { HttpResponse } from "./types.js";

const CLIENT_ERROR_TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  415: "Unsupported Media Type",
  417: "Expectation Failed",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
};

export const GENERIC_ERROR_DETAILS = "The request could not be processed. It has been logged.";
export const DEADLINE_ERROR_DETAILS = "The request took too long to process. It has been logged.";

/**
 * The single place where an error becomes a response. Client mistakes (`ServiceError` below
 * 500) say what was wrong; a core that overran its deadline is a 504; everything else is a
 * generic 500 that leaks nothing.
 */
export function errorToResponse(error: unknown, version: string): HttpResponse {
  const headers = responseHeaders();
  if (isDeadlineExceeded(error)) {
    // Like the generic 500, the body says nothing about what the core was doing.
    return json(504, headers, {
      error: "Gateway Timeout",
      details: DEADLINE_ERROR_DETAILS,
      version,
    });
  }
  if (!isClientMistake(error)) {
    return json(500, headers, {
      error: "Internal Server Error",
      details: GENERIC_ERROR_DETAILS,
      version,
    });
  }
  if (error instanceof NotFoundError) {
    return json(404, headers, { error: "Not Found", path: error.path, version });
  }
  if (error instanceof InvalidJsonError) {
    return json(400, headers, { error: "Invalid JSON input", details: error.message, version });
  }
  if (error instanceof ValidationError) {
    return json(422, headers, {
      error: "Unprocessable Entity",
      field: error.field,
      details: error.message,
      version,
    });
  }
  if (error instanceof MethodNotAllowedError) {
    headers.allow = error.allowed.join(", ");
    return json(405, headers, {
      error: "Method Not Allowed",
      method: error.method,
      allowed: error.allowed,
      version,
    });
  }
  if (error instanceof PayloadTooLargeError) {
    return json(413, headers, { error: "Payload Too Large", details: error.message, version });
  }
  if (error instanceof BadRequestError) {
    return json(400, headers, { error: "Bad Request", details: error.message, version });
  }
  // A ServiceError a custom core defined (409, 429, ...): its message is client-facing by contract.
  return json(error.statusCode, headers, {
    error: CLIENT_ERROR_TITLES[error.statusCode] ?? "Client Error",
    details: error.message,
    version,
  });
}

/** Never throws, like {@link isClientMistake}: `instanceof` runs a thrown Proxy's traps. */
function isDeadlineExceeded(error: unknown): error is DeadlineExceededError {
  try {
    return error instanceof DeadlineExceededError;
  } catch {
    return false;
  }
}

/**
 * A `ServiceError` with a 4xx status; a custom core's error with any other status is a bug.
 * Never throws: a thrown Proxy whose traps throw is simply not a client mistake.
 */
export function isClientMistake(error: unknown): error is ServiceError {
  try {
    return (
      error instanceof ServiceError &&
      Number.isInteger(error.statusCode) &&
      error.statusCode >= 400 &&
      error.statusCode <= 499
    );
  } catch {
    return false;
  }
}

function json(statusCode: number, headers: Record<string, string>, body: object): HttpResponse {
  return { statusCode, headers, body: JSON.stringify(body) };
}
