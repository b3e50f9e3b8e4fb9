import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StartedServer } from "../src/adapters/local-server.js";
import { type EventSpec, lambdaContext, makeFunctionUrlEvent } from "./support/events.js";
import { applicationHeaders, makeHandler, startLocalServer } from "./support/server.js";

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly contentType?: string;
  /** Text goes as text; a Buffer is binary (the Function URL base64-encodes it). */
  readonly body?: string | Buffer;
  readonly status: number;
}

const cases: readonly Case[] = [
  { name: "GET / without a body", method: "GET", path: "/", status: 200 },
  { name: "GET / with a query string", method: "GET", path: "/?user=Bob", status: 200 },
  {
    name: "POST / with a user",
    method: "POST",
    path: "/",
    contentType: "application/json",
    body: '{"user":"Ada"}',
    status: 200,
  },
  { name: "POST / without a body", method: "POST", path: "/", status: 200 },
  {
    name: "POST / with a JSON body sent as binary",
    method: "POST",
    path: "/",
    contentType: "application/octet-stream",
    body: Buffer.from('{"user":"Bin"}'),
    status: 200,
  },
  {
    name: "POST / with non-ASCII text",
    method: "POST",
    path: "/",
    contentType: "application/json; charset=utf-8",
    body: '{"user":"Zoë 🚀"}',
    status: 200,
  },
  {
    name: "POST / with invalid JSON",
    method: "POST",
    path: "/",
    contentType: "text/plain",
    body: "Hello from client!",
    status: 400,
  },
  {
    name: "POST / with bytes that are not UTF-8",
    method: "POST",
    path: "/",
    contentType: "application/octet-stream",
    body: Buffer.from([0x7b, 0xff, 0x7d]),
    status: 400,
  },
  {
    name: "POST / with an array",
    method: "POST",
    path: "/",
    contentType: "application/json",
    body: "[1,2]",
    status: 422,
  },
  {
    name: "POST / with a numeric user",
    method: "POST",
    path: "/",
    contentType: "application/json",
    body: '{"user":42}',
    status: 422,
  },
  {
    name: "POST / with a 65-character user",
    method: "POST",
    path: "/",
    contentType: "application/json",
    body: JSON.stringify({ user: "u".repeat(65) }),
    status: 422,
  },
  {
    name: "POST / with a __proto__ key",
    method: "POST",
    path: "/",
    contentType: "application/json",
    body: '{"__proto__":{"admin":true}}',
    status: 422,
  },
  {
    name: "POST / with a 70 KiB body",
    method: "POST",
    path: "/",
    contentType: "application/json",
    body: JSON.stringify({ user: "x", pad: "p".repeat(70_000) }),
    status: 413,
  },
  {
    name: "POST / with a 200 KiB binary body",
    method: "POST",
    path: "/",
    contentType: "application/octet-stream",
    body: Buffer.alloc(200_000, 1),
    status: 413,
  },
  { name: "PUT /", method: "PUT", path: "/", status: 405 },
  { name: "DELETE /", method: "DELETE", path: "/", status: 405 },
  { name: "HEAD /", method: "HEAD", path: "/", status: 200 },
  { name: "OPTIONS /", method: "OPTIONS", path: "/", status: 204 },
  { name: "GET /health", method: "GET", path: "/health", status: 200 },
  { name: "HEAD /health", method: "HEAD", path: "/health", status: 200 },
  { name: "PATCH /health", method: "PATCH", path: "/health", status: 405 },
  { name: "GET /robots.txt", method: "GET", path: "/robots.txt", status: 404 },
  {
    name: "POST /my/path with a query",
    method: "POST",
    path: "/my/path?parameter1=value1",
    contentType: "text/plain",
    body: "Hello from client!",
    status: 404,
  },
  { name: "GET an encoded path", method: "GET", path: "/a%20b/c%2Fd", status: 404 },
];

/** What an AWS Function URL would put in the event for this request. */
function eventFor(testCase: Case) {
  const spec: EventSpec = {
    method: testCase.method,
    path: testCase.path,
    ...(testCase.contentType === undefined
      ? {}
      : { headers: { "content-type": testCase.contentType } }),
    ...(testCase.body === undefined ? {} : { body: testCase.body }),
  };
  return makeFunctionUrlEvent(spec);
}

describe("the Lambda adapter and the local server", () => {
  let server: StartedServer;
  const lambdaHandler = makeHandler();

  beforeAll(async () => {
    server = await startLocalServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(cases)("give the same status, headers and body for $name", async (testCase) => {
    const viaLambda = await lambdaHandler(eventFor(testCase), lambdaContext);
    const viaHttp = await fetch(`${server.url}${testCase.path}`, {
      method: testCase.method,
      ...(testCase.contentType === undefined
        ? {}
        : { headers: { "content-type": testCase.contentType } }),
      ...(testCase.body === undefined ? {} : { body: testCase.body }),
    });
    const httpBody = await viaHttp.text();

    expect(viaLambda.statusCode).toBe(testCase.status);
    expect(viaHttp.status).toBe(viaLambda.statusCode);
    expect(applicationHeaders(viaHttp.headers)).toEqual(applicationHeaders(viaLambda.headers));
    expect(httpBody).toBe(viaLambda.body);
  });
});
