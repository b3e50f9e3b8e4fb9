import type { JsonValue } from "../core/contract.js";

/** The one structured line the pipeline writes per request. Never headers, never bodies. */
export interface RequestLogRecord {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Milliseconds spent in the pipeline, to the microsecond. */
  readonly durationMs: number;
  readonly version: string;
  /**
   * Why the server answered by itself, before any handler saw the request (`HPE_INVALID_METHOD`,
   * `request-timeout`, ...): a code, never request content.
   */
  readonly reason?: string;
}

export type CoreLogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

/** A line a core wrote through its context's logger, its fields already made safe JSON. */
export interface CoreLogLine {
  readonly level: CoreLogLevel;
  readonly message: string;
  readonly requestId: string;
  readonly fields: Readonly<Record<string, JsonValue>>;
}

/** The logging port the pipeline writes to; `function/src/logging/` holds the implementations. */
export interface RequestLogger {
  /** One line per request, after the response is built. */
  request(record: RequestLogRecord): void;
  /** An unexpected failure (a 500 or a 504): the error itself goes to the log, never to the client. */
  unexpectedError(error: unknown, requestId: string): void;
  /** A line the core logged. Fields never override `level`, `message`, `timestamp`, `service`, `requestId`. */
  core(line: CoreLogLine): void;
}
