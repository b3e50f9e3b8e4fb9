import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLambdaHandler, type FunctionUrlEvent } from "../src/adapters/lambda.js";
import { httpRequestToFunctionUrlEvent } from "../src/adapters/local-server.js";
import { greetingCore } from "../src/core/greeting.js";
import { decodeBody, MAX_BODY_BYTES } from "../src/http/body.js";
import { SECURITY_HEADERS } from "../src/http/headers.js";
import { lambdaContext, makeFunctionUrlEvent, recordingLogger } from "./support/events.js";

const handler = createLambdaHandler(greetingCore, { version: "prop", logger: recordingLogger() });
const RUNS = 2_000;

const method = fc.oneof(
  fc.constantFrom(
    "GET",
    "POST",
    "HEAD",
    "OPTIONS",
    "PUT",
    "DELETE",
    "PATCH",
    "TRACE",
    "CONNECT",
    "get",
    "post",
  ),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 12 }),
);

const path = fc.oneof(
  fc.constantFrom(
    "/",
    "/health",
    "/robots.txt",
    "//",
    "/health/",
    "/%2e%2e/",
    "/\u0000",
    "/../etc/passwd",
  ),
  fc.webPath().map((value) => (value.startsWith("/") ? value : `/${value}`)),
  fc.string({ minLength: 1, maxLength: 300 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 300 }),
);

const nested = (open: string, close: string) =>
  fc.integer({ min: 1, max: 30_000 }).map((depth) => `${open.repeat(depth)}${close.repeat(depth)}`);

/** Bodies as a Function URL could deliver them: text, or base64 flagged as such. */
const body: fc.Arbitrary<{ body: string | undefined; isBase64Encoded: boolean }> = fc.oneof(
  fc.constant({ body: undefined, isBase64Encoded: false }),
  fc.string({ maxLength: 200 }).map((text) => ({ body: text, isBase64Encoded: false })),
  fc
    .string({ unit: "binary", maxLength: 200 })
    .map((text) => ({ body: text, isBase64Encoded: false })),
  fc
    .string({ unit: "binary", minLength: 20_000, maxLength: 40_000 })
    .map((text) => ({ body: text, isBase64Encoded: false })),
  fc.json().map((text) => ({ body: text, isBase64Encoded: false })),
  fc
    .jsonValue()
    .map((value) => ({ body: JSON.stringify({ user: value }), isBase64Encoded: false })),
  fc
    .dictionary(
      fc.constantFrom("__proto__", "constructor", "prototype", "user", "a"),
      fc.jsonValue(),
      { maxKeys: 4 },
    )
    .map((object) => ({
      body: JSON.stringify(object).replace('"a"', '"__proto__"'),
      isBase64Encoded: false,
    })),
  fc.jsonValue().map((value) => ({
    body: `{"a":{"\\u005f_proto__":${JSON.stringify(value)}}}`,
    isBase64Encoded: false,
  })),
  nested("[", "]").map((text) => ({ body: text, isBase64Encoded: false })),
  nested('{"a":', "}").map((text) => ({ body: text.replace(/}$/, "1}"), isBase64Encoded: false })),
  fc
    .integer({ min: MAX_BODY_BYTES - 8, max: 4 * MAX_BODY_BYTES })
    .map((size) => ({ body: "x".repeat(size), isBase64Encoded: false })),
  fc
    .uint8Array({ maxLength: 2_000 })
    .map((bytes) => ({ body: Buffer.from(bytes).toString("base64"), isBase64Encoded: true })),
  fc
    .uint8Array({ maxLength: 2_000 })
    .map((bytes) => ({ body: Buffer.from(bytes).toString("latin1"), isBase64Encoded: false })),
  fc.string({ maxLength: 100 }).map((text) => ({ body: text, isBase64Encoded: true })),
);

const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom("content-type", "content-length", "__proto__", "authorization"),
    fc.string({ maxLength: 20 }),
  ),
  fc.string({ maxLength: 50 }),
  { maxKeys: 5 },
);

const wellFormedEvent = fc
  .record({ method, path, body, headers, requestId: fc.string({ maxLength: 40 }) })
  .map(({ method: verb, path: target, body: content, headers: extra, requestId }) => {
    const event = makeFunctionUrlEvent({ method: verb, requestId });
    event.rawPath = target;
    event.requestContext.http.path = target;
    event.headers = { ...event.headers, ...extra };
    event.isBase64Encoded = content.isBase64Encoded;
    if (content.body !== undefined) event.body = content.body;
    return event;
  });

/** Anything at all, or a real event with one part replaced by anything. */
const malformedEvent = fc.oneof(
  fc.anything(),
  fc
    .record({
      part: fc.constantFrom("requestContext", "rawPath", "headers", "body", "isBase64Encoded"),
      value: fc.anything(),
    })
    .map(({ part, value }) => ({ ...makeFunctionUrlEvent({ method: "POST" }), [part]: value })),
);

async function expectWellBehaved(event: unknown, method: string | undefined): Promise<void> {
  const result = await handler(event as FunctionUrlEvent, lambdaContext);
  expect(result.statusCode).toBeGreaterThanOrEqual(200);
  expect(result.statusCode).toBeLessThan(500);
  expect(result.headers).toMatchObject(SECURITY_HEADERS);
  if (result.statusCode === 204 || method === "HEAD") {
    expect(result.body).toBe("");
  } else {
    expect(JSON.parse(result.body)).toHaveProperty("version", "prop");
  }
}

describe("the Lambda handler, on generated input", () => {
  it("never throws, never answers 5xx and always sends every security header for well-formed events", async () => {
    await fc.assert(
      fc.asyncProperty(wellFormedEvent, (event) =>
        expectWellBehaved(event, event.requestContext.http.method),
      ),
      { numRuns: RUNS },
    );
  });

  it("does the same for malformed events, answering them with 400", async () => {
    await fc.assert(
      fc.asyncProperty(malformedEvent, async (event) => {
        const method = (event as { requestContext?: { http?: { method?: unknown } } } | null)
          ?.requestContext?.http?.method;
        await expectWellBehaved(event, typeof method === "string" ? method : undefined);
      }),
      { numRuns: RUNS },
    );
  });

  it("never lets a __proto__ key pollute Object.prototype", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const event = makeFunctionUrlEvent({
          method: "POST",
          body: `{"__proto__":{"polluted":${JSON.stringify(value)}}}`,
        });
        const result = await handler(event, lambdaContext);
        expect(result.statusCode).toBe(422);
        expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe("the local server's event conversion, on generated input", () => {
  it("round-trips any body: decoding the event body gives back the bytes sent", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4_000 }),
        fc.constantFrom("application/octet-stream", "image/png", undefined),
        (bytes, contentType) => {
          const event = httpRequestToFunctionUrlEvent({
            method: "POST",
            url: "/",
            headers: contentType === undefined ? {} : { "content-type": contentType },
            httpVersion: "1.1",
            remoteAddress: "127.0.0.1",
            localPort: 1,
            body: Buffer.from(bytes),
            requestId: "r",
            receivedAt: new Date(0),
          });
          const decoded =
            event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, "base64");
          expect(decoded.equals(Buffer.from(bytes))).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("produces a path and query that recombine into the request target", () => {
    fc.assert(
      fc.property(fc.webPath(), fc.webQueryParameters(), (target, query) => {
        const pathname = target.startsWith("/") ? target : `/${target}`;
        const url = query.length > 0 ? `${pathname}?${query}` : pathname;
        const event = httpRequestToFunctionUrlEvent({
          method: "GET",
          url,
          headers: {},
          httpVersion: "1.1",
          remoteAddress: "127.0.0.1",
          localPort: 1,
          body: Buffer.alloc(0),
          requestId: "r",
          receivedAt: new Date(0),
        });
        expect(
          event.rawQueryString.length > 0
            ? `${event.rawPath}?${event.rawQueryString}`
            : event.rawPath,
        ).toBe(url);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("decodeBody, on generated input", () => {
  it("either returns text within the limit or throws a client error", () => {
    fc.assert(
      fc.property(body, ({ body: content, isBase64Encoded }) => {
        try {
          const text = decodeBody(content, isBase64Encoded);
          if (text !== undefined)
            expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_BODY_BYTES);
        } catch (error) {
          expect((error as { statusCode?: number }).statusCode).toBeGreaterThanOrEqual(400);
          expect((error as { statusCode?: number }).statusCode).toBeLessThan(500);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
