/**
 * The smoke-check runner: sends the pipeline's own checks and the service's declared checks
 * (function/src/service.ts) to a version of the function and holds every answer to two things:
 *
 * - the contract every answer keeps, whatever the core: the status, every security header,
 *   a JSON body (not base64) carrying the target's `version`, the success envelope on `/`, an
 *   `error` on 4xx/5xx;
 * - what the check declares: its status, the fields its partial `body` lists, its predicate.
 *
 * How a request reaches the function is the caller's: the pre-traffic hook invokes the new
 * version directly (pre-traffic.ts), a post-traffic check can call the Function URL with
 * `fetch` (`smokeHttpRequest` gives method, path, headers and body). Findings name the check
 * and the field, never a body or header value.
 */
import type { LambdaFunctionURLEvent } from "aws-lambda";
import { clientRequestToFunctionUrlEvent } from "../../src/adapters/client-request.js";
import type { JsonObject } from "../../src/core/contract.js";
import { SECURITY_HEADERS } from "../../src/http/headers.js";
import { SUCCESS_MESSAGE, SUCCESS_STATUS } from "../../src/http/pipeline.js";
import type { SmokeCheck } from "../../src/service-definition.js";

/** A predicate: the body holds no field but these (the pipeline's own answers are exact). */
function onlyFields(...fields: string[]): (body: JsonObject) => string | undefined {
  return (body) => {
    // Own keys only: `in` would find `toString` or `constructor` on Object.prototype.
    const extra = Object.keys(body).filter((key) => !fields.includes(key));
    return extra.length === 0
      ? undefined
      : extra.map((key) => `body.${key} is not in the contract`).join("; ");
  };
}

/** The checks the pipeline answers itself, whatever the core: they run before the service's. */
export const PIPELINE_SMOKE_CHECKS: readonly SmokeCheck[] = Object.freeze<SmokeCheck[]>([
  {
    name: "GET /health",
    request: { method: "GET", path: "/health" },
    expect: { status: 200, body: { status: "ok" }, satisfies: onlyFields("status", "version") },
  },
  {
    name: "GET /does-not-exist",
    request: { method: "GET", path: "/does-not-exist" },
    expect: {
      status: 404,
      body: { error: "Not Found", path: "/does-not-exist" },
      satisfies: onlyFields("error", "path", "version"),
    },
  },
]);

/** A smoke check's request as HTTP: what a client (fetch, the event converter) sends. */
export interface SmokeHttpRequest {
  readonly method: string;
  /** Path and query string. */
  readonly path: string;
  /** Lower-case names; `content-type: application/json` when the body was declared as JSON. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/**
 * The HTTP request a smoke check sends.
 *
 * @example
 * const request = smokeHttpRequest(check);
 * const response = await fetch(new URL(request.path, functionUrl), request);
 */
export function smokeHttpRequest(check: SmokeCheck): SmokeHttpRequest {
  const declared = check.request.body;
  const body =
    declared === undefined || typeof declared === "string" ? declared : JSON.stringify(declared);
  const headers: Record<string, string> = {};
  if (declared !== undefined && typeof declared !== "string")
    headers["content-type"] = "application/json";
  for (const [name, value] of Object.entries(check.request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  return { method: check.request.method, path: check.request.path, headers, body };
}

/**
 * The Function URL (payload 2.0) event AWS would send for a smoke check: built by the same
 * converter the local server uses, so the hook exercises exactly what a real client would.
 */
export function smokeCheckToEvent(
  check: SmokeCheck,
  requestId: string,
  receivedAt: Date,
): LambdaFunctionURLEvent {
  const { method, path, headers, body } = smokeHttpRequest(check);
  return clientRequestToFunctionUrlEvent(
    { method, target: path, headers, body },
    requestId,
    receivedAt,
    {
      host: "smoke-check.lambda-url.internal",
      userAgent: "agnostic-lambda-core-smoke-check",
    },
  );
}

/**
 * An answer as the function gave it: the handler's result from a Lambda Invoke, or a Function
 * URL response (`{ statusCode: response.status, headers, body: await response.text() }`).
 * Untrusted: every field is checked before use.
 */
export interface SmokeAnswer {
  readonly statusCode: unknown;
  readonly headers: unknown;
  readonly body: unknown;
  readonly isBase64Encoded?: unknown;
}

/** What the answers must carry: the `VERSION` the target was deployed with. */
export interface SmokeExpectations {
  readonly version: string;
}

/**
 * Every way one answer breaks the contract or the check, as short findings prefixed with the
 * check's name; an empty list means it passed. Never throws, whatever the answer holds.
 *
 * @example checkSmokeAnswer(PIPELINE_SMOKE_CHECKS[0], { statusCode: 200, headers, body }, { version: "abc123" })
 */
export function checkSmokeAnswer(
  check: SmokeCheck,
  answer: SmokeAnswer,
  expected: SmokeExpectations,
): string[] {
  const problems: string[] = [];
  const problem = (text: string) => problems.push(`${check.name}: ${text}`);
  const want = check.expect.status;
  if (answer.statusCode !== want) {
    // Only a number is printed: any other value is described by its type, since turning an
    // untrusted object into text can throw (`{"toString":null}`) or leak what it carries.
    problem(
      typeof answer.statusCode === "number"
        ? `status ${answer.statusCode}, expected ${want}`
        : `status is ${describeJsonType(answer.statusCode)}, expected ${want}`,
    );
  }
  const headers = isRecord(answer.headers) ? lowerCaseKeys(answer.headers) : {};
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (headers[name] === undefined) problem(`header ${name} is missing`);
    else if (headers[name] !== value) problem(`header ${name} has the wrong value`);
  }
  if (answer.isBase64Encoded === true) {
    problem("the body is base64-encoded, expected JSON text");
    return problems;
  }
  if (check.request.method === "HEAD" || want === 204) {
    if (typeof answer.body === "string" && answer.body.length > 0) problem("the body is not empty");
    return problems;
  }
  const body = typeof answer.body === "string" ? parseJson(answer.body) : undefined;
  if (!isRecord(body)) {
    problem("the body is not a JSON object");
    return problems;
  }
  const status = typeof answer.statusCode === "number" ? answer.statusCode : want;
  for (const finding of contractProblems(check.request.path, status, body, expected)) {
    problem(finding);
  }
  if (check.expect.body !== undefined) {
    for (const finding of partialMatch(body, check.expect.body, "body")) problem(finding);
  }
  if (check.expect.satisfies !== undefined) {
    let verdict: string | undefined;
    try {
      verdict = check.expect.satisfies(body as JsonObject);
    } catch (error) {
      verdict = `the check's predicate threw ${error instanceof Error ? error.name : "a non-Error"}`;
    }
    if (verdict !== undefined) problem(verdict);
  }
  return problems;
}

/** What the pipeline guarantees in every JSON body, whatever the core answered. */
function contractProblems(
  path: string,
  status: number,
  body: Record<string, unknown>,
  expected: SmokeExpectations,
): string[] {
  const problems: string[] = [];
  if (body.version !== expected.version) {
    problems.push(`body.version differs from the target version's VERSION (${expected.version})`);
  }
  const route = path.split("?", 1)[0];
  if (status >= 400) {
    if (typeof body.error !== "string" || body.error.length === 0) {
      problems.push("body.error is missing from an error answer");
    }
  } else if (route === "/" && status === 200) {
    // The success envelope: exactly these four keys, the core's answer under `result`.
    if (body.status !== SUCCESS_STATUS) problems.push("body.status differs from the envelope's");
    if (body.message !== SUCCESS_MESSAGE) problems.push("body.message differs from the envelope's");
    if (!isRecord(body.result)) problems.push("body.result is not an object");
    for (const key of Object.keys(body)) {
      if (!ENVELOPE_KEYS.has(key)) problems.push(`body.${key} is not in the envelope`);
    }
  }
  return problems;
}

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(["version", "status", "message", "result"]);

/**
 * The fields `expected` lists must be in `actual` with equal values (objects: recursively, only
 * the listed fields; anything else: deep equality). Names each differing field, never a value.
 */
function partialMatch(actual: Record<string, unknown>, expected: JsonObject, at: string): string[] {
  const problems: string[] = [];
  for (const [key, want] of Object.entries(expected)) {
    const field = `${at}.${key}`;
    // Own keys only: `actual.toString` would find Object.prototype's.
    const got = Object.hasOwn(actual, key) ? actual[key] : undefined;
    if (got === undefined) problems.push(`${field} is missing`);
    else if (isRecord(want)) {
      if (isRecord(got)) problems.push(...partialMatch(got, want as JsonObject, field));
      else problems.push(`${field} is not an object`);
    } else if (!deepEqual(got, want)) problems.push(`${field} differs from the check`);
  }
  return problems;
}

/** One smoke check's trip to the function: its answer, or what went wrong on the way. */
export interface SmokeDelivery {
  /** `undefined` when there is no answer to check (the function failed, the reply was not JSON). */
  readonly answer: SmokeAnswer | undefined;
  /** Problems found on the way (e.g. "the function failed", "ran version 7, expected 8"). */
  readonly problems: readonly string[];
}

export interface SmokeReport {
  readonly passed: boolean;
  /** How many checks ran (the pipeline's and the service's). */
  readonly checked: number;
  readonly problems: readonly string[];
}

/**
 * Runs the pipeline's checks, then `serviceChecks`, one after another through `send`, and
 * collects every finding. `send` may reject (the caller's transport failed): that rejects the
 * run, for the caller to report.
 *
 * @example
 * const report = await runSmokeChecks(service.smokeChecks, async (check) => ({
 *   answer: await fetchAnswer(functionUrl, smokeHttpRequest(check)),
 *   problems: [],
 * }), { version: "abc123" });
 */
export async function runSmokeChecks(
  serviceChecks: readonly SmokeCheck[],
  send: (check: SmokeCheck, index: number) => Promise<SmokeDelivery>,
  expected: SmokeExpectations,
): Promise<SmokeReport> {
  const checks = [...PIPELINE_SMOKE_CHECKS, ...serviceChecks];
  const problems: string[] = [];
  for (const [index, check] of checks.entries()) {
    const delivery = await send(check, index);
    problems.push(...delivery.problems.map((text) => `${check.name}: ${text}`));
    if (delivery.answer !== undefined) {
      problems.push(...checkSmokeAnswer(check, delivery.answer, expected));
    }
  }
  return { passed: problems.length === 0, checked: checks.length, problems };
}

function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return (
      left.length === right.length && left.every((item, index) => deepEqual(item, right[index]))
    );
  }
  if (isRecord(left) && isRecord(right)) {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]))
    );
  }
  return false;
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
