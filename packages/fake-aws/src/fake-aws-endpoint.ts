/**
 * An in-process fake of the AWS JSON APIs the project calls, on `node:http` at 127.0.0.1:0.
 * The real SDK clients are pointed at it (`AWS_ENDPOINT_URL` or the `endpoint` option), so every
 * request goes through the SDK's real serialisation, signing, error parsing and retry strategy.
 *
 * - awsJson1_0 / awsJson1_1 services (CodeDeploy, CloudWatch): `POST /` with
 *   `X-Amz-Target: <prefix>.<Operation>`; register with {@link FakeAwsEndpoint.target}.
 * - REST-JSON (Lambda): method + path pattern; register with {@link FakeAwsEndpoint.route}.
 * - awsQuery (STS): form-encoded `POST /` with `Action=<Operation>`, XML replies; register with
 *   {@link FakeAwsEndpoint.action} (the handler's `json` holds the form fields).
 *
 * A handler returns a {@link FakeReply} or throws a {@link FakeAwsError}; `failNext` queues
 * errors in front of an operation (throttling, 5xx) to exercise retries.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  /** The body parsed as JSON (`{}` when empty). */
  readonly json: Record<string, unknown>;
}

export interface FakeReply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised with JSON.stringify unless it is already a string. */
  readonly body?: unknown;
}

/** An AWS error response: the SDK reads the code from `__type` / `x-amzn-ErrorType`. */
export class FakeAwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Lambda throttles with HTTP 429 TooManyRequestsException; JSON-protocol services with 400. */
export const throttling = (code = "ThrottlingException") =>
  new FakeAwsError(code === "TooManyRequestsException" ? 429 : 400, code, "Rate exceeded");
export const serviceUnavailable = () =>
  new FakeAwsError(503, "ServiceUnavailableException", "Service is unavailable, try again");

/** `never` replies: the request hangs until the client gives up or the server closes. */
export const HANG: unique symbol = Symbol("hang");

type Handler = (request: FakeRequest) => FakeReply | typeof HANG | Promise<FakeReply | typeof HANG>;

interface Route {
  readonly operation: string;
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

export interface RecordedCall {
  readonly operation: string;
  /** The whole `X-Amz-Target` of an awsJson call (`Logs_20140328.FilterLogEvents`); REST calls have none. */
  readonly target: string | undefined;
  readonly json: Record<string, unknown>;
  readonly query: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  /** The status the fake answered with (0 when it never answered). */
  status: number;
}

export class FakeAwsEndpoint {
  readonly calls: RecordedCall[] = [];
  private readonly targets = new Map<string, Handler>();
  private readonly actions = new Map<string, Handler>();
  private readonly routes: Route[] = [];
  private readonly queuedFailures = new Map<string, FakeAwsError[]>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  url = "";

  /** An awsJson operation, e.g. `target("CodeDeploy_20141006.GetDeployment", handler)`; replaces any earlier one. */
  target(target: string, handler: Handler): this {
    this.targets.set(target, handler);
    return this;
  }

  /** An awsQuery operation, e.g. `action("GetCallerIdentity", handler)`; the reply body is XML. */
  action(action: string, handler: Handler): this {
    this.actions.set(action, handler);
    return this;
  }

  /** A REST-JSON operation, e.g. `route("GetAlias", "GET", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", h)`. */
  route(operation: string, method: string, template: string, handler: Handler): this {
    const names: string[] = [];
    const source = template
      .split(/(\{[A-Za-z]+\})/)
      .map((part) => {
        const name = /^\{([A-Za-z]+)\}$/.exec(part)?.[1];
        if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
        names.push(name);
        return "([^/]+)";
      })
      .join("");
    const route = { operation, method, pattern: new RegExp(`^${source}$`), names, handler };
    const existing = this.routes.findIndex((candidate) => candidate.operation === operation);
    if (existing >= 0) this.routes[existing] = route;
    else this.routes.push(route);
    return this;
  }

  /** Forgets recorded calls and queued failures (handlers stay until replaced). */
  reset(): this {
    this.calls.length = 0;
    this.queuedFailures.clear();
    return this;
  }

  /** The next `errors.length` calls of `operation` fail with these errors, in order. */
  failNext(operation: string, ...errors: FakeAwsError[]): this {
    this.queuedFailures.set(operation, [...(this.queuedFailures.get(operation) ?? []), ...errors]);
    return this;
  }

  callsOf(operation: string): RecordedCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        void this.dispatch(request, Buffer.concat(chunks).toString("utf8"), response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.hanging.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async dispatch(request: IncomingMessage, body: string, response: ServerResponse) {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = request.method ?? "GET";
    const targetHeader = request.headers["x-amz-target"];
    let operation = "Unknown";
    let params: Record<string, string> = {};
    let handler: Handler | undefined;
    const form = /x-www-form-urlencoded/.test(request.headers["content-type"] ?? "")
      ? new URLSearchParams(body)
      : undefined;
    const queryAction = typeof targetHeader === "string" ? null : (form?.get("Action") ?? null);
    if (queryAction !== null) {
      operation = queryAction;
      handler = this.actions.get(queryAction);
    } else if (typeof targetHeader === "string") {
      operation = targetHeader.split(".").pop() ?? targetHeader;
      handler = this.targets.get(targetHeader);
    } else {
      for (const route of this.routes) {
        const match = route.method === method ? route.pattern.exec(url.pathname) : null;
        if (!match) continue;
        operation = route.operation;
        params = Object.fromEntries(
          route.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? "")]),
        );
        handler = route.handler;
        break;
      }
    }
    let json: Record<string, unknown> = {};
    try {
      if (form) json = Object.fromEntries(form);
      else json = body.length > 0 ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    const call: RecordedCall = {
      operation,
      target: typeof targetHeader === "string" ? targetHeader : undefined,
      json,
      query: Object.fromEntries(url.searchParams),
      params,
      status: 0,
    };
    this.calls.push(call);
    const json10 = typeof targetHeader === "string";
    const send = (status: number, headers: Record<string, string>, payload: string) => {
      call.status = status;
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(payload);
    };
    const sendError = (error: FakeAwsError) =>
      queryAction !== null
        ? send(
            error.status,
            { "content-type": "text/xml" },
            `<ErrorResponse><Error><Type>${error.status >= 500 ? "Receiver" : "Sender"}</Type><Code>${error.code}</Code><Message>${error.message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
          )
        : send(
            error.status,
            { "x-amzn-errortype": error.code },
            JSON.stringify(
              json10
                ? { __type: error.code, message: error.message }
                : { Type: error.status >= 500 ? "Service" : "User", message: error.message },
            ),
          );
    const queued = this.queuedFailures.get(operation);
    if (queued && queued.length > 0) {
      sendError(queued.shift() as FakeAwsError);
      return;
    }
    if (!handler) {
      sendError(new FakeAwsError(400, "UnknownOperationException", `fake has no ${operation}`));
      return;
    }
    try {
      const reply = await handler({
        operation,
        method,
        path: url.pathname,
        query: url.searchParams,
        params,
        headers: request.headers,
        body,
        json,
      });
      if (reply === HANG) {
        this.hanging.add(response);
        return;
      }
      const payload =
        typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
      send(reply.status ?? 200, { ...(reply.headers ?? {}) }, payload);
    } catch (error) {
      if (error instanceof FakeAwsError) sendError(error);
      else sendError(new FakeAwsError(500, "InternalFailure", String(error)));
    }
  }
}

/** Dummy credentials and the fake's URL in the variables the SDK reads by itself. */
export function fakeAwsEnvironment(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIDFAKEFAKEFAKE",
    AWS_SECRET_ACCESS_KEY: "fake-secret-for-the-in-process-endpoint",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** awsJson timestamps are epoch seconds. */
export const epochSeconds = (date: Date) => date.getTime() / 1000;
