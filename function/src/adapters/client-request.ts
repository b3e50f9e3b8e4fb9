import type { LambdaFunctionURLEvent } from "aws-lambda";
import { httpRequestToFunctionUrlEvent } from "./local-server.js";

/** A request as a client would send it: what `npm run invoke`'s flags and a smoke check describe. */
export interface ClientRequest {
  readonly method: string;
  /** Path and query string, e.g. `/?debug=1`. */
  readonly target: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** Who sends the request, for its `host` and `user-agent` headers unless the request sets them. */
export interface ClientIdentity {
  readonly host: string;
  readonly userAgent: string;
}

/**
 * The Function URL (payload 2.0) event AWS would send for a client's request over HTTPS: built by
 * the converter the local server uses, so every way of calling the handler sees the same event.
 *
 * @example clientRequestToFunctionUrlEvent({ method: "GET", target: "/health", headers: {}, body: undefined }, "id-1", new Date(), { host: "localhost", userAgent: "curl/8" })
 */
export function clientRequestToFunctionUrlEvent(
  request: ClientRequest,
  requestId: string,
  receivedAt: Date,
  client: ClientIdentity,
): LambdaFunctionURLEvent {
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body, "utf8");
  return httpRequestToFunctionUrlEvent({
    method: request.method,
    url: request.target,
    headers: {
      host: client.host,
      "user-agent": client.userAgent,
      ...(body.length > 0 ? { "content-length": String(body.length) } : {}),
      ...request.headers,
    },
    httpVersion: "1.1",
    remoteAddress: "127.0.0.1",
    localPort: 443,
    body,
    requestId,
    receivedAt,
  });
}
