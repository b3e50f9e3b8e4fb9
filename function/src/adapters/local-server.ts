import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import { MAX_BODY_BYTES } from "../http/body.js";
import { errorToResponse } from "../http/error-response.js";
import { BadRequestError } from "../http/errors.js";
import { responseHeaders } from "../http/headers.js";
import type { LambdaHandler } from "./lambda.js";

/** What the local server knows about one incoming request, before it becomes an event. */
export interface IncomingRequestDescription {
  readonly method: string;
  /** The request target as sent: `/path?query` (or an absolute URL). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion: string;
  readonly remoteAddress: string;
  readonly localPort: number;
  readonly body: Buffer;
  readonly requestId: string;
  readonly receivedAt: Date;
}

// Function URLs pass these content types through as text and base64-encode everything else.
const TEXT_CONTENT_TYPE =
  /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|[\w.+-]+\+(json|xml))\b)/i;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Converts an incoming HTTP request into the Lambda Function URL (payload 2.0) event AWS would
 * send for it: lower-case headers with repeats joined by commas, cookies moved to `cookies`,
 * query parameters joined by commas, text bodies as strings, other bodies base64-encoded.
 */
export function httpRequestToFunctionUrlEvent(
  incoming: IncomingRequestDescription,
): LambdaFunctionURLEvent {
  const target = splitTarget(incoming.url);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const name in incoming.headers) {
    const value = incoming.headers[name];
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(",") : value;
    if (name === "cookie") {
      cookies = joined.split(/;\s*/).filter((cookie) => cookie.length > 0);
    } else if (name === "__proto__") {
      // A plain assignment would replace the object's prototype; define it as an ordinary key.
      Object.defineProperty(headers, name, {
        value: joined,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      headers[name] = joined;
    }
  }
  headers["x-forwarded-for"] ??= incoming.remoteAddress;
  headers["x-forwarded-proto"] ??= "http";
  headers["x-forwarded-port"] ??= String(incoming.localPort);
  const host = headers.host ?? "localhost";
  const isText = TEXT_CONTENT_TYPE.test(headers["content-type"] ?? "");
  const event: LambdaFunctionURLEvent = {
    version: "2.0",
    routeKey: "$default",
    rawPath: target.path,
    rawQueryString: target.query,
    headers,
    requestContext: {
      accountId: "anonymous",
      apiId: "local",
      domainName: host,
      domainPrefix: host.includes(".") ? host.slice(0, host.indexOf(".")) : host,
      http: {
        method: incoming.method,
        path: target.path,
        protocol: `HTTP/${incoming.httpVersion}`,
        sourceIp: incoming.remoteAddress,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: incoming.requestId,
      routeKey: "$default",
      stage: "$default",
      time: formatRequestTime(incoming.receivedAt),
      timeEpoch: incoming.receivedAt.getTime(),
    },
    isBase64Encoded: incoming.body.length > 0 && !isText,
  };
  if (cookies !== undefined) event.cookies = cookies;
  const query = queryStringParameters(target.query);
  if (query !== undefined) event.queryStringParameters = query;
  if (incoming.body.length > 0) {
    event.body = isText ? incoming.body.toString("utf8") : incoming.body.toString("base64");
  }
  return event;
}

/** The deployed function's timeout (every stage's `function.timeoutSeconds`), which local requests get by default. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** A Lambda `Context` for one local invocation (by default 10 s, like the deployed function). */
export function makeLocalContext(
  requestId: string,
  timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Context {
  return new LocalContext(requestId, Date.now() + timeoutMs);
}

// A class rather than an object literal: its methods are shared, not four new closures per request.
class LocalContext implements Context {
  callbackWaitsForEmptyEventLoop = true;
  readonly functionName = "agnostic-lambda-core-local";
  readonly functionVersion = "$LATEST";
  readonly invokedFunctionArn =
    "arn:aws:lambda:local:000000000000:function:agnostic-lambda-core-local";
  readonly memoryLimitInMB = "512";
  readonly logGroupName = "/aws/lambda/agnostic-lambda-core-local";
  readonly logStreamName = "local";

  constructor(
    readonly awsRequestId: string,
    private readonly deadline: number,
  ) {}

  getRemainingTimeInMillis(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  done(): never {
    throw new Error("context.done() is not supported: return a value from the handler");
  }

  fail(): never {
    throw new Error("context.fail() is not supported: return a value from the handler");
  }

  succeed(): never {
    throw new Error("context.succeed() is not supported: return a value from the handler");
  }
}

export interface LocalServerOptions {
  readonly handler: LambdaHandler;
  /**
   * Reported in the answers the server gives itself, when a request never reaches the handler
   * (Node's HTTP parser refused it) or the handler failed.
   */
  readonly version: string;
  /** @default a random UUID per request, like the Function URL request id */
  readonly newRequestId?: () => string;
  /**
   * Each request's deadline, as the Lambda timeout is in AWS: the handler's context reports the
   * time left, and an async core still running when it runs out is answered 504.
   * @default 10000 (the deployed function's timeout)
   */
  readonly requestTimeoutMs?: number;
  /**
   * Told when the handler rejects (it never should: the pipeline answers every error).
   * @default writes the error to stderr
   */
  readonly onHandlerFailure?: (error: unknown) => void;
}

/**
 * A `node:http` server that turns every request into the Function URL event AWS would send and
 * answers with whatever the Lambda handler returns: what passes locally passes in Lambda.
 */
export function createLocalServer(options: LocalServerOptions): Server {
  const newRequestId = options.newRequestId ?? randomUUID;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const onHandlerFailure =
    options.onHandlerFailure ??
    ((error: unknown) => console.error("the Lambda handler rejected:", error));
  return createServer((request, response) => {
    const receivedAt = new Date();
    readBoundedBody(request, (body) => {
      const requestId = newRequestId();
      const event = httpRequestToFunctionUrlEvent({
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: request.headers,
        httpVersion: request.httpVersion,
        remoteAddress: request.socket.remoteAddress ?? "127.0.0.1",
        localPort: request.socket.localPort ?? 0,
        body,
        requestId,
        receivedAt,
      });
      options.handler(event, makeLocalContext(requestId, requestTimeoutMs)).then(
        (result) => {
          response.writeHead(result.statusCode, result.headers);
          response.end(result.body);
        },
        (error: unknown) => {
          onHandlerFailure(error);
          answerHandlerFailure(response, options.version);
        },
      );
    });
  }).on("clientError", (error: NodeJS.ErrnoException, socket) => {
    answerUnparsableRequest(socket, error, options.version);
  });
}

/**
 * Node's HTTP parser refused the request (a malformed request line, a lowercase or unknown
 * method, bad headers) before any handler could see it: answer as the pipeline answers a bad
 * request, security headers included, then close the connection.
 */
function answerUnparsableRequest(
  socket: Duplex,
  error: NodeJS.ErrnoException,
  version: string,
): void {
  if (!socket.writable || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const answer = errorToResponse(
    new BadRequestError(tooLarge ? "the request headers are too large" : "malformed HTTP request"),
    version,
  );
  const status = tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request";
  const headers = Object.entries({ ...answer.headers, connection: "close" })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.end(
    `HTTP/1.1 ${status}\r\n${headers}content-length: ${Buffer.byteLength(answer.body)}\r\n\r\n${answer.body}`,
  );
}

export interface StartedServer {
  readonly server: Server;
  /** `http://host:port` with the port actually bound (useful with port 0). */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a server on `host:port` (port 0 picks a free one) and resolves once it listens. */
export function listen(server: Server, host: string, port: number): Promise<StartedServer> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      const printableHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({
        server,
        url: `http://${printableHost}:${address.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/**
 * Buffers at most one byte more than the pipeline accepts (enough for it to answer 413, as it
 * would in Lambda) and drains the rest unread, so a huge upload cannot exhaust memory.
 */
function readBoundedBody(request: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  request.on("data", (chunk: Buffer) => {
    if (kept > MAX_BODY_BYTES) return;
    const room = MAX_BODY_BYTES + 1 - kept;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    chunks.push(piece);
    kept += piece.length;
  });
  request.on("end", () =>
    done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
  );
  request.on("error", () => request.destroy());
}

/** The handler never rejects by design; if it ever does, answer like Lambda does (502). */
function answerHandlerFailure(response: ServerResponse, version: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  // What a Function URL answers when the function itself fails, with the service's headers.
  response.writeHead(502, responseHeaders());
  response.end(JSON.stringify({ error: "Bad Gateway", details: "the handler failed", version }));
}

function splitTarget(url: string): { path: string; query: string } {
  let target = url;
  if (!target.startsWith("/")) {
    // Absolute-form request targets (`GET http://host/path HTTP/1.1`) carry the path inside.
    try {
      const parsed = new URL(target);
      target = `${parsed.pathname}${parsed.search}`;
    } catch {
      return { path: target || "/", query: "" };
    }
  }
  const mark = target.indexOf("?");
  return mark === -1
    ? { path: target, query: "" }
    : { path: target.slice(0, mark), query: target.slice(mark + 1) };
}

function queryStringParameters(query: string): Record<string, string> | undefined {
  if (query.length === 0) return undefined;
  const parameters = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(query)) {
    const existing = parameters.get(name);
    parameters.set(name, existing === undefined ? value : `${existing},${value}`);
  }
  return Object.fromEntries(parameters);
}

let formattedSecond = -1;
let formattedTime = "";

/** Function URL request time format, `12/Mar/2020:19:03:58 +0000` (cached: it changes once a second). */
function formatRequestTime(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== formattedSecond) {
    const pad = (value: number) => String(value).padStart(2, "0");
    formattedTime = `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
    formattedSecond = second;
  }
  return formattedTime;
}
