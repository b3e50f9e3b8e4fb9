/**
 * The smoke requests the pre-traffic hook sends to the new version before it gets any traffic,
 * and the pure checks of what comes back: status, body shape, `version` and every security
 * header. Findings name the request and the field, never the body or header values.
 */
import type { LambdaFunctionURLEvent } from "aws-lambda";
import { httpRequestToFunctionUrlEvent } from "../../src/adapters/local-server.js";
import { SECURITY_HEADERS } from "../../src/http/headers.js";

/** The user the smoke POST greets; visible in the function's request log as a POST to `/`. */
export const SMOKE_USER = "smoke-test";

export interface SmokeRequest {
  readonly name: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: string;
  readonly expectedStatus: number;
  /** The body the contract promises, given the version the target was deployed with. */
  readonly expectedBody: (version: string) => Readonly<Record<string, unknown>>;
}

export const SMOKE_REQUESTS: readonly SmokeRequest[] = [
  {
    name: "GET /health",
    method: "GET",
    path: "/health",
    expectedStatus: 200,
    expectedBody: (version) => ({ status: "ok", version }),
  },
  {
    name: "POST /",
    method: "POST",
    path: "/",
    body: JSON.stringify({ user: SMOKE_USER }),
    expectedStatus: 200,
    expectedBody: (version) => ({
      version,
      status: "success",
      message: "Request processed successfully.",
      result: {
        message: `Hello ${SMOKE_USER}! All OK!`,
        status: "works",
        subsystem: "agnostic-core-v3",
      },
    }),
  },
  {
    name: "GET /does-not-exist",
    method: "GET",
    path: "/does-not-exist",
    expectedStatus: 404,
    expectedBody: (version) => ({ error: "Not Found", path: "/does-not-exist", version }),
  },
];

/**
 * The Function URL (payload 2.0) event AWS would send for a smoke request: built by the same
 * converter the local server uses, so the hook exercises exactly what a real client would.
 */
export function smokeRequestToEvent(
  request: SmokeRequest,
  requestId: string,
  receivedAt: Date,
): LambdaFunctionURLEvent {
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body, "utf8");
  return httpRequestToFunctionUrlEvent({
    method: request.method,
    url: request.path,
    headers: {
      host: "pre-traffic-hook.lambda-url.internal",
      "user-agent": "agnostic-lambda-core-pre-traffic-hook",
      ...(request.body === undefined ? {} : { "content-type": "application/json" }),
    },
    httpVersion: "1.1",
    remoteAddress: "127.0.0.1",
    localPort: 443,
    body,
    requestId,
    receivedAt,
  });
}

/** What Lambda's Invoke returned for one smoke request. */
export interface SmokeInvocation {
  /** `X-Amz-Function-Error` (`Unhandled` when the handler threw or crashed). */
  readonly functionError: string | undefined;
  /** `X-Amz-Executed-Version`: the version that actually ran. */
  readonly executedVersion: string | undefined;
  /** The handler's result as the JSON text Lambda returned. */
  readonly payload: string;
}

/**
 * Every way the invocation breaks the contract, as short findings; an empty list means it passed.
 *
 * @example checkSmokeInvocation(SMOKE_REQUESTS[0], invocation, { targetVersion: "8", version: "abc123" })
 */
export function checkSmokeInvocation(
  request: SmokeRequest,
  invocation: SmokeInvocation,
  expected: { readonly targetVersion: string; readonly version: string },
): string[] {
  const problem = (text: string) => `${request.name}: ${text}`;
  if (invocation.functionError !== undefined) {
    return [problem(`the function failed (${invocation.functionError})`)];
  }
  const problems: string[] = [];
  if (invocation.executedVersion !== expected.targetVersion) {
    problems.push(
      problem(
        `ran version ${invocation.executedVersion ?? "(unknown)"}, expected ${expected.targetVersion}`,
      ),
    );
  }
  const result = parseJson(invocation.payload);
  if (!isRecord(result)) return [...problems, problem("the result is not a JSON object")];
  if (result.statusCode !== request.expectedStatus) {
    // Only a number is printed: any other value is described by its type, since turning an
    // untrusted object into text can throw (`{"toString":null}`) or leak what it carries.
    const status =
      typeof result.statusCode === "number"
        ? `status ${result.statusCode}`
        : `status is ${describeJsonType(result.statusCode)}`;
    problems.push(problem(`${status}, expected ${request.expectedStatus}`));
  }
  const headers = isRecord(result.headers) ? lowerCaseKeys(result.headers) : {};
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (headers[name] === undefined) problems.push(problem(`header ${name} is missing`));
    else if (headers[name] !== value) problems.push(problem(`header ${name} has the wrong value`));
  }
  if (result.isBase64Encoded === true) {
    problems.push(problem("the body is base64-encoded, expected JSON text"));
    return problems;
  }
  const body = typeof result.body === "string" ? parseJson(result.body) : undefined;
  if (!isRecord(body)) return [...problems, problem("the body is not a JSON object")];
  problems.push(...compareShape(body, request.expectedBody(expected.version), "body").map(problem));
  return problems;
}

/** Field-by-field comparison that names each differing field and never prints a value. */
function compareShape(
  actual: Record<string, unknown>,
  expected: Readonly<Record<string, unknown>>,
  at: string,
): string[] {
  const problems: string[] = [];
  for (const [key, want] of Object.entries(expected)) {
    const field = `${at}.${key}`;
    const got = actual[key];
    if (got === undefined) problems.push(`${field} is missing`);
    else if (isRecord(want)) {
      if (isRecord(got)) problems.push(...compareShape(got, want, field));
      else problems.push(`${field} is not an object`);
    } else if (got !== want) {
      problems.push(
        key === "version"
          ? `${field} differs from the target version's VERSION (${String(want)})`
          : `${field} differs from the contract`,
      );
    }
  }
  for (const key of Object.keys(actual)) {
    // Own keys only: `in` would find `toString` or `constructor` on Object.prototype.
    if (!Object.hasOwn(expected, key)) problems.push(`${at}.${key} is not in the contract`);
  }
  return problems;
}

function lowerCaseKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]),
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What kind of JSON value this is, e.g. "an object"; never the value itself. */
export function describeJsonType(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
