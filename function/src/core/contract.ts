/** A value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON object: what a core returns and what the pipeline wraps into the response `result`. */
export type JsonObject = { [key: string]: JsonValue };

/** The parsed request body handed to a core: always a plain JSON object (`{}` when there is no body). */
export type Payload = Readonly<Record<string, unknown>>;

/** Extra fields of one log line; Errors are written as name, message and stack. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The log a core writes to: one JSON line per call, carrying the request id, the service name
 * and the level. It is never given the request's headers or body, and fields named `body`,
 * `headers`, `cookie`, `cookies`, `set-cookie` or `authorization` (at any depth) are written as
 * `"[redacted]"`.
 */
export interface CoreLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** What the pipeline hands a core besides the payload. */
export interface CoreContext {
  /** The request id (the Function URL's, or a UUID on the local server); also in every log line. */
  readonly requestId: string;
  readonly logger: CoreLogger;
  /**
   * Fires shortly before the request's deadline (Lambda: the remaining time minus a margin;
   * local server: `REQUEST_TIMEOUT_MS`). Pass it to the I/O the core awaits (the AWS SDK's
   * `abortSignal`, `fetch`'s `signal`): once it fires the client has already been answered 504.
   */
  readonly signal: AbortSignal;
}

/**
 * The core contract: a plain object in, a JSON object (or a Promise of one) out; throw or reject
 * to signal failure.
 *
 * A core knows nothing about HTTP, Lambda or any SDK: it does I/O through ports (interfaces it
 * owns, implemented by adapters handed in at start-up). Throw a `ValidationError` (or any other
 * `ServiceError`) for a client mistake; anything else thrown or rejected becomes a generic 500.
 * A synchronous core is called without any `await`; an async one is awaited until its deadline.
 *
 * @example
 * const echoCore: Core = (payload) => ({ keys: Object.keys(payload) });
 * const userCore: Core = async (payload, { signal }) => ({ user: await users.find(id(payload), signal) });
 */
export type Core = (payload: Payload, context: CoreContext) => JsonObject | Promise<JsonObject>;
