/** The one structured line the pipeline writes per request. Never headers, never bodies. */
export interface RequestLogRecord {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Milliseconds spent in the pipeline, to the microsecond. */
  readonly durationMs: number;
  readonly version: string;
}

/** The logging port the pipeline writes to; `function/src/logging/` holds the implementations. */
export interface RequestLogger {
  /** One line per request, after the response is built. */
  request(record: RequestLogRecord): void;
  /** An unexpected failure (a 500): the error itself goes to the log, never to the client. */
  unexpectedError(error: unknown, requestId: string): void;
}
