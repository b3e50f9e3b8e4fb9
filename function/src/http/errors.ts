import { ServiceError } from "../core/errors.js";

/** The path is not served. */
export class NotFoundError extends ServiceError {
  readonly statusCode = 404;

  constructor(readonly path: string) {
    super(`no route for ${path}`);
  }
}

/** The path is served, but not with this method; `allowed` feeds the `Allow` header. */
export class MethodNotAllowedError extends ServiceError {
  readonly statusCode = 405;

  constructor(
    readonly method: string,
    readonly allowed: readonly string[],
  ) {
    super(`method ${method} is not allowed here; allowed: ${allowed.join(", ")}`);
  }
}

/** The decoded body is larger than the pipeline accepts. */
export class PayloadTooLargeError extends ServiceError {
  readonly statusCode = 413;

  constructor(readonly limitBytes: number) {
    super(`the body must be at most ${limitBytes} bytes`);
  }
}

/** The body is not valid JSON (or not valid UTF-8 text). `message` says why. */
export class InvalidJsonError extends ServiceError {
  readonly statusCode = 400;
}

/** The request is malformed below the JSON level: bad base64, or an event of the wrong shape. */
export class BadRequestError extends ServiceError {
  readonly statusCode = 400;
}

/**
 * An async core was still running when its deadline came: answered 504, and logged as an
 * unexpected error (it is the service's fault, not the client's).
 */
export class DeadlineExceededError extends ServiceError {
  readonly statusCode = 504;

  constructor(readonly budgetMs: number) {
    super(`the core was still running when its ${budgetMs} ms budget ran out`);
  }
}

/** The client took longer than the server allows to send its request (headers or body). */
export class RequestTimeoutError extends ServiceError {
  readonly statusCode = 408;
}

/** An `Expect` header the server cannot meet (only `100-continue` is understood). */
export class ExpectationFailedError extends ServiceError {
  readonly statusCode = 417;
}

/** The request line and headers are larger than the server accepts. */
export class HeadersTooLargeError extends ServiceError {
  readonly statusCode = 431;
}
