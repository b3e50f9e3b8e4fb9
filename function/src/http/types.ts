/** A framework-neutral HTTP request: what every adapter converts its runtime's input into. */
export interface HttpRequest {
  readonly method: string;
  /** The path without the query string, exactly as the client sent it. */
  readonly path: string;
  /** Lower-case header names. The pipeline never logs these. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body; when `isBase64Encoded` is true it holds base64 text. */
  readonly body: Buffer | string | undefined;
  readonly isBase64Encoded: boolean;
  readonly requestId: string;
}

/** A framework-neutral HTTP response: what every adapter converts back into its runtime's output. */
export interface HttpResponse {
  readonly statusCode: number;
  /** Lower-case header names. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What the pipeline knows about a request it could not even build (for the log line). */
export interface RequestSummary {
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
}
