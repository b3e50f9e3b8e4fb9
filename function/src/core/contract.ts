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

/**
 * The core contract: plain object in, JSON-serializable object out, throw to signal failure.
 *
 * A core knows nothing about HTTP, Lambda or I/O. Throw a `ValidationError` (or any other
 * `ServiceError`) for a client mistake; anything else thrown becomes a generic 500.
 *
 * @example
 * const echoCore: Core = (payload) => ({ keys: Object.keys(payload) });
 * export const handler = createLambdaHandler(echoCore, options);
 */
export type Core = (payload: Payload) => JsonObject;
