import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { functionUrlEventToRequest } from "../src/adapters/lambda.js";
import {
  createLocalServer,
  httpRequestToFunctionUrlEvent,
  type IncomingRequestDescription,
  listen,
  makeLocalContext,
} from "../src/adapters/local-server.js";
import { SECURITY_HEADERS } from "../src/http/headers.js";
import { loadFixture, recordingLogger } from "./support/events.js";
import { applicationHeaders, startLocalServer, TEST_VERSION } from "./support/server.js";

function describeRequest(
  overrides: Partial<IncomingRequestDescription> = {},
): IncomingRequestDescription {
  return {
    method: "POST",
    url: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
    headers: { host: "127.0.0.1:3000", "user-agent": "agent", "content-type": "text/plain" },
    httpVersion: "1.1",
    remoteAddress: "127.0.0.1",
    localPort: 3000,
    body: Buffer.from("Hello from client!"),
    requestId: "id",
    receivedAt: new Date(Date.UTC(2020, 2, 12, 19, 3, 58, 390)),
    ...overrides,
  };
}

describe("httpRequestToFunctionUrlEvent", () => {
  it("builds the event AWS documents for the same request (compared with the real payload)", () => {
    const real = loadFixture("function-url-post-other-path.json");
    const event = httpRequestToFunctionUrlEvent(
      describeRequest({ headers: { ...describeRequest().headers, cookie: "cookie1; cookie2" } }),
    );
    expect(event).toMatchObject({
      version: real.version,
      rawPath: real.rawPath,
      rawQueryString: real.rawQueryString,
      cookies: real.cookies,
      queryStringParameters: real.queryStringParameters,
      body: real.body,
      isBase64Encoded: real.isBase64Encoded,
      requestContext: {
        http: {
          method: "POST",
          path: "/my/path",
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: "agent",
        },
        requestId: real.requestContext.requestId,
        time: real.requestContext.time,
        timeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58, 390),
      },
    });
    // The documented example omits routeKey; live Function URL events carry "$default".
    expect(Object.keys(event).sort()).toEqual([...Object.keys(real), "routeKey"].sort());
    expect(event.headers.cookie).toBeUndefined();
  });

  it("adds the forwarding headers a Function URL adds", () => {
    const event = httpRequestToFunctionUrlEvent(describeRequest());
    expect(event.headers).toMatchObject({
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-proto": "http",
      "x-forwarded-port": "3000",
    });
  });

  it("joins repeated headers with commas", () => {
    const event = httpRequestToFunctionUrlEvent(
      describeRequest({ headers: { "x-list": ["a", "b"] } }),
    );
    expect(event.headers["x-list"]).toBe("a,b");
  });

  it("keeps a header named __proto__ as a plain key", () => {
    const event = httpRequestToFunctionUrlEvent(
      describeRequest({ headers: JSON.parse('{"__proto__":"x"}') }),
    );
    expect(Object.getPrototypeOf(event.headers)).toBe(Object.prototype);
    expect(Object.keys(event.headers)).toContain("__proto__");
  });

  it.each([
    ["application/json", false],
    ["application/json; charset=utf-8", false],
    ["text/plain", false],
    ["application/vnd.api+json", false],
    ["application/x-www-form-urlencoded", false],
    ["application/octet-stream", true],
    ["image/png", true],
    [undefined, true],
  ])("sends a %s body base64-encoded: %s", (contentType, encoded) => {
    const headers = contentType === undefined ? {} : { "content-type": contentType };
    const event = httpRequestToFunctionUrlEvent(
      describeRequest({ headers, body: Buffer.from('{"a":1}') }),
    );
    expect(event.isBase64Encoded).toBe(encoded);
    expect(event.body).toBe(encoded ? Buffer.from('{"a":1}').toString("base64") : '{"a":1}');
  });

  it("sends invalid UTF-8 base64-encoded even under a text content type, and keeps a genuine U+FFFD as text", () => {
    const json = { "content-type": "application/json" };
    const invalid = httpRequestToFunctionUrlEvent(
      describeRequest({ headers: json, body: Buffer.from([0x7b, 0xff, 0x7d]) }),
    );
    expect(invalid).toMatchObject({ isBase64Encoded: true, body: "e/99" });
    const genuine = httpRequestToFunctionUrlEvent(
      describeRequest({ headers: json, body: Buffer.from('{"user":"\uFFFD"}') }),
    );
    expect(genuine).toMatchObject({ isBase64Encoded: false, body: '{"user":"\uFFFD"}' });
  });

  it("leaves out body, query and cookies when the request has none", () => {
    const event = httpRequestToFunctionUrlEvent(
      describeRequest({ url: "/", body: Buffer.alloc(0), headers: {} }),
    );
    expect(event).not.toHaveProperty("body");
    expect(event).not.toHaveProperty("queryStringParameters");
    expect(event).not.toHaveProperty("cookies");
    expect(event.isBase64Encoded).toBe(false);
    expect(event.rawQueryString).toBe("");
  });

  it("takes the path out of an absolute-form request target", () => {
    const event = httpRequestToFunctionUrlEvent(
      describeRequest({ url: "http://example.com/health?x=1" }),
    );
    expect(event.rawPath).toBe("/health");
    expect(event.rawQueryString).toBe("x=1");
  });

  it("produces events the Lambda adapter accepts", () => {
    const event = httpRequestToFunctionUrlEvent(describeRequest());
    expect(functionUrlEventToRequest(event, "x")).toMatchObject({
      method: "POST",
      path: "/my/path",
      requestId: "id",
    });
  });
});

describe("makeLocalContext", () => {
  it("carries the request id and counts down the remaining time", () => {
    const context = makeLocalContext("abc", 1_000);
    expect(context.awsRequestId).toBe("abc");
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(1_000);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(() => context.succeed("x")).toThrow("not supported");
  });
});

describe("the local server", () => {
  it("gives every request its own request id", async () => {
    const seen: string[] = [];
    const started = await listen(
      createLocalServer({
        version: TEST_VERSION,
        logger: recordingLogger(),
        handler: async (event) => {
          seen.push(event.requestContext.requestId);
          return { statusCode: 200, headers: {}, body: "{}", isBase64Encoded: false };
        },
      }),
      "127.0.0.1",
      0,
    );
    try {
      await fetch(`${started.url}/`);
      await fetch(`${started.url}/`);
    } finally {
      await started.close();
    }
    expect(seen).toHaveLength(2);
    expect(new Set(seen).size).toBe(2);
    expect(seen[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers 502 like Lambda, and logs the error and the answer, if a handler ever rejects", async () => {
    const logger = recordingLogger();
    const started = await listen(
      createLocalServer({
        version: TEST_VERSION,
        logger,
        handler: () => Promise.reject(new Error("broken handler")),
        newRequestId: () => "req-broken",
      }),
      "127.0.0.1",
      0,
    );
    try {
      const response = await fetch(`${started.url}/`);
      expect(response.status).toBe(502);
      expect(applicationHeaders(response.headers)).toEqual(SECURITY_HEADERS);
      expect(await response.json()).toEqual({
        error: "Bad Gateway",
        details: "the handler failed",
        version: TEST_VERSION,
      });
      expect(logger.errors).toEqual([
        { error: new Error("broken handler"), requestId: "req-broken" },
      ]);
      expect(logger.records).toMatchObject([
        {
          requestId: "req-broken",
          method: "GET",
          path: "/",
          status: 502,
          reason: "handler-failed",
        },
      ]);
    } finally {
      await started.close();
    }
  });

  it.each([
    ["a lowercase method", "get / HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["a malformed request line", "GET/ HTTP/1.1 extra\r\n\r\n"],
    ["a header without a colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n"],
  ])(
    "answers %s that Node's parser refuses with a 400 carrying every security header",
    async (_name, raw) => {
      const started = await startLocalServer();
      try {
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(new URL(started.url).port), "127.0.0.1", () =>
            socket.write(raw),
          );
          let text = "";
          socket.setEncoding("utf8");
          socket.on("data", (chunk: string) => {
            text += chunk;
          });
          socket.on("end", () => resolve(text));
          socket.on("error", reject);
        });
        const [head = "", body = ""] = answer.split("\r\n\r\n");
        const [statusLine, ...headerLines] = head.split("\r\n");
        const headers = Object.fromEntries(
          headerLines.map((line) => {
            const colon = line.indexOf(":");
            return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
          }),
        );

        expect(statusLine).toBe("HTTP/1.1 400 Bad Request");
        expect(headers).toMatchObject(SECURITY_HEADERS);
        expect(JSON.parse(body)).toEqual({
          error: "Bad Request",
          details: expect.stringMatching(/^malformed HTTP request/),
          version: TEST_VERSION,
        });
      } finally {
        await started.close();
      }
    },
  );

  it("answers 413 to a multi-megabyte upload without buffering it", async () => {
    const started = await startLocalServer();
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          `${started.url}/`,
          { method: "POST", headers: { "content-type": "application/json" } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on("error", reject);
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        for (let index = 0; index < 8; index += 1) request.write(chunk);
        request.end();
      });
      expect(status).toBe(413);
    } finally {
      await started.close();
    }
  });

  it("refuses to listen on a port that is taken, with the system's reason", async () => {
    const first = await startLocalServer();
    try {
      const port = Number(new URL(first.url).port);
      await expect(
        listen(
          createLocalServer({
            version: TEST_VERSION,
            logger: recordingLogger(),
            handler: async () => ({
              statusCode: 200,
              headers: {},
              body: "",
              isBase64Encoded: false,
            }),
          }),
          "127.0.0.1",
          port,
        ),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
