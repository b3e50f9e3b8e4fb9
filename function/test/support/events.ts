import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import type { CoreLogLine, RequestLogger, RequestLogRecord } from "../../src/http/request-log.js";
import type { HttpRequest } from "../../src/http/types.js";

const supportDirectory = fileURLToPath(new URL(".", import.meta.url));
export const repositoryRoot = join(supportDirectory, "..", "..", "..");
export const fixturesDirectory = join(supportDirectory, "..", "fixtures");

/** A real AWS payload from function/test/fixtures (copied from shared/fixtures/aws-events). */
export function loadFixture<T = LambdaFunctionURLEvent>(name: string): T {
  return JSON.parse(readFileSync(join(fixturesDirectory, name), "utf8")) as T;
}

export interface EventSpec {
  readonly method?: string;
  /** May carry a query string: `/path?x=1`. */
  readonly path?: string;
  readonly headers?: Record<string, string>;
  /** A string is sent as text; a Buffer is sent base64-encoded, as Function URLs do for binary. */
  readonly body?: string | Buffer;
  readonly requestId?: string;
}

/**
 * A Function URL event shaped like the real one in fixtures/function-url-post-other-path.json,
 * with the parts a test cares about replaced.
 */
export function makeFunctionUrlEvent(spec: EventSpec = {}): LambdaFunctionURLEvent {
  const template = loadFixture("function-url-post-other-path.json");
  const [rawPath = "/", rawQueryString = ""] = (spec.path ?? "/").split("?", 2);
  const method = spec.method ?? "GET";
  const event: LambdaFunctionURLEvent = {
    ...template,
    rawPath,
    rawQueryString,
    headers: { host: "abc.lambda-url.eu-west-1.on.aws", ...(spec.headers ?? {}) },
    requestContext: {
      ...template.requestContext,
      http: { ...template.requestContext.http, method, path: rawPath },
      requestId: spec.requestId ?? "req-1",
    },
    isBase64Encoded: Buffer.isBuffer(spec.body),
  };
  delete event.cookies;
  delete event.queryStringParameters;
  if (spec.body === undefined) delete event.body;
  else event.body = Buffer.isBuffer(spec.body) ? spec.body.toString("base64") : spec.body;
  return event;
}

export function makeRequest(spec: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: "GET",
    path: "/",
    headers: {},
    body: undefined,
    isBase64Encoded: false,
    requestId: "req-1",
    ...spec,
  };
}

/** A frozen Lambda context, as the runtime would pass it. */
export const lambdaContext: Context = Object.freeze({
  callbackWaitsForEmptyEventLoop: true,
  functionName: "agnostic-lambda-core-test",
  functionVersion: "7",
  invokedFunctionArn:
    "arn:aws:lambda:eu-west-1:123456789012:function:agnostic-lambda-core-test:live",
  memoryLimitInMB: "512",
  awsRequestId: "context-request-id",
  logGroupName: "/aws/lambda/agnostic-lambda-core-test",
  logStreamName: "2026/01/01/[7]abcdef",
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** A real `RequestLogger` that keeps what it is given, for assertions. */
export function recordingLogger(): RequestLogger & {
  readonly records: RequestLogRecord[];
  readonly errors: { error: unknown; requestId: string }[];
  readonly coreLines: CoreLogLine[];
} {
  const records: RequestLogRecord[] = [];
  const errors: { error: unknown; requestId: string }[] = [];
  const coreLines: CoreLogLine[] = [];
  return {
    records,
    errors,
    coreLines,
    request: (record) => records.push(record),
    unexpectedError: (error, requestId) => errors.push({ error, requestId }),
    core: (line) => coreLines.push(line),
  };
}

/** Headers Node's HTTP stack adds on its own (or the Function URL front end would add). */
export const TRANSPORT_HEADERS = new Set([
  "date",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
]);
