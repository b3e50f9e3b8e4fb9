import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import { type AddressInfo, Server as NetServer, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import type { ServiceError } from "../core/errors.js";
import { MAX_BODY_BYTES } from "../http/body.js";
import { errorToResponse } from "../http/error-response.js";
import {
  BadRequestError,
  ExpectationFailedError,
  HeadersTooLargeError,
  PayloadTooLargeError,
  RequestTimeoutError,
} from "../http/errors.js";
import { responseHeaders } from "../http/headers.js";
import type { RequestLogger } from "../http/request-log.js";
import type { HttpResponse, RequestSummary } from "../http/types.js";
import type { EventLog } from "../logging/json-lines.js";
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
  // Invalid UTF-8 travels base64-encoded, so the pipeline refuses it (400) whatever the type says,
  // instead of Buffer#toString quietly turning it into U+FFFD. Decoding marks every invalid
  // sequence with U+FFFD, so the full check only runs when one shows up (it may be genuine).
  let text: string | undefined;
  if (incoming.body.length > 0 && TEXT_CONTENT_TYPE.test(headers["content-type"] ?? "")) {
    text = incoming.body.toString("utf8");
    if (text.includes("\uFFFD") && !isUtf8(incoming.body)) text = undefined;
  }
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
    isBase64Encoded: incoming.body.length > 0 && text === undefined,
  };
  if (cookies !== undefined) event.cookies = cookies;
  const query = queryStringParameters(target.query);
  if (query !== undefined) event.queryStringParameters = query;
  if (incoming.body.length > 0) {
    event.body = text ?? incoming.body.toString("base64");
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

/**
 * How long the server waits for a client. Each is explicit (Node's defaults would let a slow
 * client hold a connection 60 s for its headers and 300 s for its body) and configurable
 * (`HEADERS_TIMEOUT_MS`, `RECEIVE_TIMEOUT_MS`, `KEEP_ALIVE_TIMEOUT_MS`). Not to be confused with
 * `requestTimeoutMs`, the handler's deadline once the request has arrived.
 */
export interface ServerTimeouts {
  /**
   * From a request's first byte (or a new connection) to its last header; a request still
   * incomplete then is answered 408. Real clients send their headers in one packet.
   * @default 10_000
   */
  readonly headersTimeoutMs: number;
  /** For the whole request to arrive, its body (at most 64 KiB) included; then 408. @default 30_000 */
  readonly receiveTimeoutMs: number;
  /**
   * How long an idle keep-alive connection stays open. Longer than the idle timeout of the load
   * balancer in front (AWS ALB: 60 s by default) so that the balancer always closes first and
   * never sends a request on a connection the server is closing (a 502 at the balancer).
   * @default 65_000
   */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = Object.freeze({
  headersTimeoutMs: 10_000,
  receiveTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
});

export interface LocalServerOptions {
  readonly handler: LambdaHandler;
  /**
   * Reported in the answers the server gives itself, when a request never reaches the handler
   * (Node's HTTP parser refused it, it is too large or too slow) or the handler failed.
   */
  readonly version: string;
  /**
   * Where the server logs the answers it gives itself (one request line each, as the pipeline
   * writes) and a handler failure (an error line).
   */
  readonly logger: RequestLogger;
  /** @default a random UUID per request, like the Function URL request id */
  readonly newRequestId?: () => string;
  /**
   * Each request's deadline, as the Lambda timeout is in AWS: the handler's context reports the
   * time left, and an async core still running when it runs out is answered 504.
   * @default 10000 (the deployed function's timeout)
   */
  readonly requestTimeoutMs?: number;
  /** @default {@link DEFAULT_SERVER_TIMEOUTS} */
  readonly timeouts?: Partial<ServerTimeouts>;
}

/** What one connection has in flight; see `clientError` below for why it is tracked. */
interface ConnectionState {
  /** Responses started on this connection and not yet finished (pipelined requests). */
  pending: number;
  /** The request whose body is being read, if any; a request timeout answers it 408. */
  reading: BodyReader | undefined;
  /** An answer to a parser error, sent once every earlier response on the connection is out. */
  deferred: (() => void) | undefined;
  /** The parser refused this connection; later parser errors on it are ignored. */
  refused: boolean;
  /** `socket.bytesRead` when the last request was read in full: more bytes mean another began. */
  quietAt: number;
  /** Consecutive shutdown sweeps that found the connection idle. */
  idleSweeps: number;
}

interface BodyReader {
  timeOut(): void;
}

/** What the server needs to shut down: its sockets, their state and whether it is draining. */
interface ServerControl {
  closing: boolean;
  readonly sockets: Set<Socket>;
  readonly connections: WeakMap<Socket, ConnectionState>;
}

const controls = new WeakMap<Server, ServerControl>();

/**
 * A `node:http` server that turns every request into the Function URL event AWS would send and
 * answers with whatever the Lambda handler returns: what passes locally passes in Lambda.
 *
 * Around the handler it behaves like a server one puts behind a load balancer: a body larger
 * than the pipeline accepts is refused as its bytes arrive (a declared `Content-Length` at once,
 * before `100 Continue`), explicit timeouts answer 408, every answer it gives itself (whatever
 * Node's parser refuses included) carries the contract's JSON body, headers and one log line,
 * and {@link shutdown} drains it within a deadline.
 */
export function createLocalServer(options: LocalServerOptions): Server {
  const { handler, version, logger } = options;
  const newRequestId = options.newRequestId ?? randomUUID;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...options.timeouts };
  const connections = new WeakMap<Socket, ConnectionState>();
  const control: ServerControl = { closing: false, sockets: new Set(), connections };

  function onRequest(request: IncomingMessage, response: ServerResponse): void {
    const startedAt = performance.now();
    const receivedAt = new Date();
    const requestId = newRequestId();
    const socket = request.socket;
    const connection = connections.get(socket) ?? track(socket);
    connection.pending += 1;
    response.once("close", () => settle(connection));
    const isHead = request.method === "HEAD";

    const answerItself = (error: ServiceError, reason: string): void => {
      const answer = errorToResponse(error, version);
      logger.request({
        requestId,
        method: request.method ?? "-",
        path: splitTarget(request.url ?? "/").path,
        status: answer.statusCode,
        durationMs: elapsedSince(startedAt),
        version,
        reason,
      });
      // The request may be half read: the connection is closed, never drained.
      response.shouldKeepAlive = false;
      writeAnswer(response, answer, isHead);
    };

    if (
      request.httpVersionMajor === 1 &&
      request.httpVersionMinor === 1 &&
      request.headers.host === undefined
    ) {
      answerItself(
        new BadRequestError("an HTTP/1.1 request must carry a Host header"),
        "missing-host",
      );
      return;
    }
    const declared = request.headers["content-length"];
    if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) {
      answerItself(new PayloadTooLargeError(MAX_BODY_BYTES), "declared-content-length-over-limit");
      return;
    }
    // Only now, with the declared length checked, may the client send its body.
    if (request.headers.expect !== undefined && request.httpVersionMinor === 1) {
      response.writeContinue();
    }

    const invoke = (body: Buffer): void => {
      const event = httpRequestToFunctionUrlEvent({
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: request.headers,
        httpVersion: request.httpVersion,
        remoteAddress: socket.remoteAddress ?? "127.0.0.1",
        localPort: socket.localPort ?? 0,
        body,
        requestId,
        receivedAt,
      });
      handler(event, makeLocalContext(requestId, requestTimeoutMs)).then(
        (result) => writeAnswer(response, result, isHead),
        (error: unknown) => {
          // The pipeline answers every error itself; this is a broken handler. Lambda answers 502.
          logger.unexpectedError(error, requestId);
          logger.request({
            requestId,
            method: request.method ?? "-",
            path: event.rawPath,
            status: 502,
            durationMs: elapsedSince(startedAt),
            version,
            reason: "handler-failed",
          });
          writeAnswer(response, handlerFailure(version), isHead);
        },
      );
    };

    let finished = false;
    const chunks: Buffer[] = [];
    let received = 0;
    connection.reading = {
      timeOut() {
        if (finished) return;
        finished = true;
        connection.reading = undefined;
        answerItself(
          new RequestTimeoutError(
            `the request was not received within ${timeouts.receiveTimeoutMs} ms`,
          ),
          "request-timeout",
        );
      },
    };
    request.on("data", (chunk: Buffer) => {
      if (finished) return;
      received += chunk.length;
      if (received > MAX_BODY_BYTES) {
        finished = true;
        connection.reading = undefined;
        answerItself(new PayloadTooLargeError(MAX_BODY_BYTES), "body-over-limit");
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (finished) return;
      finished = true;
      connection.reading = undefined;
      connection.quietAt = socket.bytesRead;
      invoke(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    // The client went away mid-body: there is nobody left to answer.
    request.on("error", () => {
      finished = true;
      connection.reading = undefined;
    });
  }

  function writeAnswer(response: ServerResponse, answer: HttpResponse, isHead: boolean): void {
    if (response.writableEnded || response.destroyed) return; // timed out or the client left
    const headers = answer.headers;
    if (answer.statusCode !== 204 && answer.statusCode !== 304) {
      // HEAD carries what GET would: the pipeline states that length, the body itself is empty.
      headers["content-length"] =
        isHead && headers["content-length"] !== undefined
          ? headers["content-length"]
          : String(Buffer.byteLength(answer.body));
    }
    if (control.closing) response.shouldKeepAlive = false;
    try {
      response.writeHead(answer.statusCode, headers);
    } catch (error) {
      // Only a handler could hand over a header Node refuses; answer as for a broken handler.
      logger.unexpectedError(error, "-");
      const failure = handlerFailure(version);
      failure.headers["content-length"] = String(Buffer.byteLength(failure.body));
      response.writeHead(failure.statusCode, failure.headers);
      response.end(isHead ? undefined : failure.body);
      return;
    }
    response.end(isHead ? undefined : answer.body);
  }

  function track(socket: Socket): ConnectionState {
    const state: ConnectionState = {
      pending: 0,
      reading: undefined,
      deferred: undefined,
      refused: false,
      quietAt: 0,
      idleSweeps: 0,
    };
    connections.set(socket, state);
    control.sockets.add(socket);
    socket.once("close", () => control.sockets.delete(socket));
    return state;
  }

  function settle(connection: ConnectionState): void {
    connection.pending -= 1;
    if (connection.pending === 0 && connection.deferred !== undefined) {
      const answer = connection.deferred;
      connection.deferred = undefined;
      answer();
    }
  }

  /** Writes an answer straight to a socket Node's HTTP layer has given up on, then closes it. */
  function answerOnSocket(
    socket: Duplex,
    error: ServiceError,
    reason: string,
    summary: RequestSummary,
  ): void {
    const answer = errorToResponse(error, version);
    logger.request({ ...summary, status: answer.statusCode, durationMs: 0, version, reason });
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    let head = `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode] ?? "Error"}\r\n`;
    for (const name in answer.headers) head += `${name}: ${answer.headers[name]}\r\n`;
    head += `content-length: ${Buffer.byteLength(answer.body)}\r\nconnection: close\r\n\r\n`;
    socket.end(`${head}${answer.body}`, () => socket.destroy());
  }

  const server = createServer(
    {
      // Answered below with the contract's body instead of Node's bare 400.
      requireHostHeader: false,
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.receiveTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default, which would let a
      // 10 s headers timeout run 40 s).
      connectionsCheckingInterval: Math.min(1_000, Math.max(50, timeouts.headersTimeoutMs / 4)),
    },
    onRequest,
  );
  server.on("connection", (socket: Socket) => void track(socket));
  // Without this listener Node would send `100 Continue` before the declared length is checked.
  server.on("checkContinue", onRequest);
  server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) => {
    const connection = connections.get(request.socket) ?? track(request.socket);
    connection.pending += 1;
    response.once("close", () => settle(connection));
    const answer = errorToResponse(
      new ExpectationFailedError('the only Expect value this server meets is "100-continue"'),
      version,
    );
    logger.request({
      requestId: newRequestId(),
      method: request.method ?? "-",
      path: splitTarget(request.url ?? "/").path,
      status: answer.statusCode,
      durationMs: 0,
      version,
      reason: "unsupported-expect",
    });
    response.shouldKeepAlive = false;
    writeAnswer(response, answer, request.method === "HEAD");
  });
  // CONNECT asks for a tunnel; Node would drop the connection without a word.
  server.on("connect", (request: IncomingMessage, socket: Duplex) => {
    answerOnSocket(
      socket,
      new BadRequestError("CONNECT is not supported: this server is not a proxy"),
      "connect-refused",
      { requestId: newRequestId(), method: "CONNECT", path: request.url ?? "-" },
    );
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const connection = connections.get(socket as Socket) ?? track(socket as Socket);
    if (connection.refused) return;
    connection.refused = true;
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT" && connection.reading !== undefined) {
      // Headers arrived, the body did not: answer through the request's own response.
      connection.reading.timeOut();
      return;
    }
    const reason =
      error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "headers-timeout" : (error.code ?? "parse-error");
    const answer = () =>
      answerOnSocket(socket, parserRefusal(error, timeouts), reason, {
        requestId: newRequestId(),
        method: "-",
        path: "-",
      });
    // Requests pipelined before the malformed one are answered first, in order.
    if (connection.pending > 0) {
      connection.deferred = answer;
      socket.pause();
    } else {
      answer();
    }
  });
  controls.set(server, control);
  return server;
}

const PARSER_ERROR_DETAILS: Readonly<Record<string, string>> = {
  HPE_INVALID_METHOD: "malformed HTTP request: the method is not a valid upper-case HTTP method",
  HPE_INVALID_URL: "malformed HTTP request: the request target is not valid",
  HPE_INVALID_VERSION: "malformed HTTP request: the HTTP version is not valid",
  HPE_INVALID_HEADER_TOKEN: "malformed HTTP request: a header is not valid",
  HPE_INVALID_CONTENT_LENGTH: "malformed HTTP request: Content-Length is not valid",
  HPE_UNEXPECTED_CONTENT_LENGTH:
    "malformed HTTP request: Content-Length and Transfer-Encoding must not both be sent",
  HPE_INVALID_TRANSFER_ENCODING: "malformed HTTP request: Transfer-Encoding is not valid",
  HPE_INVALID_CHUNK_SIZE: "malformed HTTP request: a chunk size is not valid",
};

/** The contract's answer to a request Node's HTTP parser refused (`error.code` says why). */
function parserRefusal(error: NodeJS.ErrnoException, timeouts: ServerTimeouts): ServiceError {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return new HeadersTooLargeError("the request line and headers are too large");
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new RequestTimeoutError(
        `the request headers were not received within ${timeouts.headersTimeoutMs} ms`,
      );
    default:
      return new BadRequestError(
        PARSER_ERROR_DETAILS[error.code ?? ""] ?? "malformed HTTP request",
      );
  }
}

/** What a Function URL answers when the function itself fails, with the service's headers. */
function handlerFailure(version: string): HttpResponse {
  return {
    statusCode: 502,
    headers: responseHeaders(),
    body: JSON.stringify({ error: "Bad Gateway", details: "the handler failed", version }),
  };
}

function elapsedSince(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000;
}

/** How a {@link shutdown} ended. */
export interface ShutdownReport {
  /** Connections still open at the deadline, closed without waiting further. */
  readonly forcedConnections: number;
}

/** How often a draining server looks for idle connections; two idle looks in a row close one. */
const IDLE_SWEEP_MS = 50;

/**
 * Drains a server made by {@link createLocalServer}: it stops accepting, answers requests in
 * flight with `Connection: close` (each such connection closes once its response is out),
 * closes every connection found idle on two looks {@link IDLE_SWEEP_MS} apart (one that never
 * sent a byte included), and closes whatever is left at `deadlineMs`. Resolves once every
 * connection is closed.
 *
 * Idle connections are not closed at the very first instant (as `server.close()` alone would):
 * a keep-alive client that is busy has its next request on the wire, and closing under it
 * resets that request; a moment later it has been answered with `Connection: close` instead.
 */
export function shutdown(server: Server, deadlineMs: number): Promise<ShutdownReport> {
  const control = controls.get(server);
  if (control !== undefined) control.closing = true;
  return new Promise((resolve) => {
    let forcedConnections = 0;
    const sweep = setInterval(() => {
      if (control === undefined) return;
      for (const socket of control.sockets) {
        const state = control.connections.get(socket);
        const idle =
          state !== undefined &&
          state.pending === 0 &&
          state.reading === undefined &&
          socket.bytesRead === state.quietAt;
        if (state === undefined || !idle) {
          if (state !== undefined) state.idleSweeps = 0;
          continue;
        }
        state.idleSweeps += 1;
        if (state.idleSweeps >= 2) socket.destroy();
      }
    }, IDLE_SWEEP_MS);
    const deadline = setTimeout(() => {
      const sockets = control?.sockets ?? new Set<Socket>();
      forcedConnections = sockets.size;
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
    }, deadlineMs);
    // net.Server's close: stop accepting and call back once the last connection is gone, without
    // http.Server's instant close of idle connections (the sweep above does that, gently).
    NetServer.prototype.close.call(server, () => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve({ forcedConnections });
    });
  });
}

export interface StartedServer {
  readonly server: Server;
  /** `http://host:port` with the port actually bound (useful with port 0). */
  readonly url: string;
  /** {@link shutdown} with a deadline. @default deadlineMs 10_000 */
  close(deadlineMs?: number): Promise<void>;
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
        close: async (deadlineMs = 10_000) => {
          await shutdown(server, deadlineMs);
        },
      });
    });
  });
}

export interface StopOnSignalOptions {
  /** How long requests in flight get after the signal. */
  readonly deadlineMs: number;
  /** Where the server says what it is doing. */
  readonly log: EventLog;
}

/**
 * Serves until SIGTERM or SIGINT, then drains within the deadline and resolves with exit code
 * 0. A second signal while draining exits at once (130 for SIGINT, 143 for SIGTERM), as an
 * operator pressing Ctrl+C twice expects.
 */
export function stopOnSignal(
  started: StartedServer,
  options: StopOnSignalOptions,
): Promise<number> {
  const { deadlineMs, log } = options;
  return new Promise((resolve) => {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (draining) {
        log("WARN", "second signal: exiting at once", { signal });
        process.exit(signal === "SIGINT" ? 130 : 143);
      }
      draining = true;
      const control = controls.get(started.server);
      log("INFO", "draining", {
        signal,
        deadlineMs,
        openConnections: control?.sockets.size ?? 0,
      });
      shutdown(started.server, deadlineMs).then(({ forcedConnections }) => {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        log("INFO", "closed", { forcedConnections });
        resolve(0);
      });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
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
