/**
 * The built server (function/dist/server.mjs) attacked on real sockets as a platform and a
 * hostile client would: shutdown with connections open, oversized and streamed bodies, every
 * request Node's parser refuses, pipelining. Every wait is bounded; every process and socket is
 * closed in afterEach.
 */
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "../src/http/headers.js";
import {
  type BuiltServer,
  exchange,
  jsonLines,
  killBuiltServers,
  openRawClient,
  parseResponses,
  type RawClient,
  type RawResponse,
  startBuiltServer,
  waitFor,
} from "./support/built-server.js";

const VERSION = "socket-1";
const clients: RawClient[] = [];

async function client(server: BuiltServer, firstBytes?: string | Buffer): Promise<RawClient> {
  const opened = await openRawClient(server.port, firstBytes);
  clients.push(opened);
  return opened;
}

afterEach(() => {
  for (const opened of clients.splice(0)) opened.socket.destroy();
  killBuiltServers();
});

function requestLines(server: BuiltServer) {
  return jsonLines(server.stdout()).filter((line) => line.message === "request");
}

/** The contract every answer keeps: the security headers and a JSON body naming the version. */
function expectContractAnswer(response: RawResponse, status: number, error: string) {
  expect(response.status).toBe(status);
  expect(response.headers).toMatchObject(SECURITY_HEADERS);
  expect(response.headers["content-length"]).toBe(String(Buffer.byteLength(response.body)));
  expect(JSON.parse(response.body)).toMatchObject({ error, version: VERSION });
}

describe("shutdown of the built server", () => {
  it("exits 0 within its deadline with an idle socket, a half-sent request and a busy keep-alive client open", async () => {
    const server = await startBuiltServer({ SHUTDOWN_DEADLINE_MS: "2000" });
    const idle = await client(server);
    const halfSent = await client(server, "POST / HTTP/1.1\r\nHost: x\r\nContent-Len");
    const halfBody = await client(
      server,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{"user"',
    );
    // A keep-alive client sending request after request on one connection.
    const busy = await client(server);
    let answered = "";
    busy.socket.on("data", () => {
      answered = busy.received();
      busy.socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    busy.socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor(() => answered.split("HTTP/1.1 200").length > 20, "the busy client's answers");

    const signalledAt = Date.now();
    server.child.kill("SIGTERM");
    const code = await server.exited;
    const elapsedMs = Date.now() - signalledAt;

    expect(code).toBe(0);
    expect(elapsedMs).toBeLessThan(2_000 + 1_500);
    expect([idle, halfSent, halfBody, busy].every((opened) => opened.isClosed())).toBe(true);
    // The busy client's last answer told it to go: no request of its was cut off mid-answer.
    const busyAnswers = busy.received().split("HTTP/1.1 ").slice(1);
    expect(busyAnswers.at(-1)).toMatch(/^200 OK[\s\S]*\r\nConnection: close\r\n/);
    expect(busyAnswers.slice(0, -1).every((answer) => answer.includes("keep-alive"))).toBe(true);
    const events = jsonLines(server.stderr()).map((line) => line.message);
    expect(events.slice(1)).toEqual(["draining", "closed"]);
    expect(jsonLines(server.stderr()).at(-1)).toMatchObject({ forcedConnections: 2 });
  });

  it("closes an idle connection as soon as it drains, long before the deadline", async () => {
    const server = await startBuiltServer({ SHUTDOWN_DEADLINE_MS: "30000" });
    const idle = await client(server);
    const kept = await client(server, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor(() => kept.received().includes("\r\n\r\n"), "the first answer");

    server.child.kill("SIGTERM");
    await Promise.all([idle.closed, kept.closed]);

    expect(server.child.exitCode ?? (await server.exited)).toBe(0);
    expect(jsonLines(server.stderr()).at(-1)).toMatchObject({
      message: "closed",
      forcedConnections: 0,
    });
  });

  it("exits at once on a second signal while draining", async () => {
    const server = await startBuiltServer({ SHUTDOWN_DEADLINE_MS: "60000" });
    await client(server, "GET / HTTP/1.1\r\nHost: x\r\n");

    server.child.kill("SIGTERM");
    await waitFor(() => server.stderr().includes('"draining"'), "the draining line");
    server.child.kill("SIGTERM");

    expect(await server.exited).toBe(143);
    expect(jsonLines(server.stderr()).at(-1)).toMatchObject({
      level: "WARN",
      message: "second signal: exiting at once",
    });
  });
});

describe("limits enforced as the bytes arrive", () => {
  it("answers a declared 50 MB body 413 before any of it is sent, without 100 Continue", async () => {
    const server = await startBuiltServer();
    for (const expect100 of [false, true]) {
      const answer = await exchange(
        server.port,
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n${expect100 ? "Expect: 100-continue\r\n" : ""}\r\n`,
      );
      expect(answer).not.toContain("100 Continue");
      const [response, ...more] = parseResponses(answer);
      expect(more).toEqual([]);
      expectContractAnswer(response as RawResponse, 413, "Payload Too Large");
      expect(response?.headers.connection).toBe("close");
    }
    await server.stop();
    expect(requestLines(server).map((line) => [line.status, line.reason])).toEqual([
      [413, "declared-content-length-over-limit"],
      [413, "declared-content-length-over-limit"],
    ]);
  });

  it("still sends 100 Continue for a body within the limit", async () => {
    const server = await startBuiltServer();
    const opened = await client(
      server,
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
    );
    await waitFor(() => opened.received().includes("100 Continue"), "100 Continue");
    opened.socket.write('{"user":"Ed"} ');
    await opened.closed;

    const [interim, final] = parseResponses(opened.received());
    expect(interim?.status).toBe(100);
    expect(final?.status).toBe(200);
    expect(JSON.parse(final?.body ?? "")).toMatchObject({
      result: { message: "Hello Ed! All OK!" },
    });
  });

  it("answers a streamed chunked body 413 once it passes the limit and closes instead of draining", async () => {
    const server = await startBuiltServer();
    const opened = await client(
      server,
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    const chunk = `4000\r\n${" ".repeat(0x4000)}\r\n`;
    const limit = 50 * 1024 * 1024;
    let sent = 0;
    const pump = () => {
      while (!opened.isClosed() && sent < limit) {
        sent += 0x4000;
        if (!opened.socket.write(chunk)) {
          opened.socket.once("drain", pump);
          return;
        }
      }
    };
    pump();
    await opened.closed;

    // What the client managed to write before the server closed sits in socket buffers; the
    // server read a small part of it and drained none.
    expect(sent).toBeLessThan(limit);
    const [response] = parseResponses(opened.received());
    expectContractAnswer(response as RawResponse, 413, "Payload Too Large");
    await server.stop();
    expect(requestLines(server).map((line) => line.reason)).toEqual(["body-over-limit"]);
  });

  it("answers a request whose headers never finish 408 after the headers timeout", async () => {
    const server = await startBuiltServer({ HEADERS_TIMEOUT_MS: "300" });
    const answer = await exchange(server.port, "GET / HTTP/1.1\r\nHost: x\r\n");
    const [response] = parseResponses(answer);
    expectContractAnswer(response as RawResponse, 408, "Request Timeout");
    await server.stop();
    expect(requestLines(server).map((line) => [line.status, line.reason])).toEqual([
      [408, "headers-timeout"],
    ]);
  });

  it("answers a request whose body never finishes 408 after the request timeout", async () => {
    const server = await startBuiltServer({
      HEADERS_TIMEOUT_MS: "300",
      RECEIVE_TIMEOUT_MS: "600",
    });
    const answer = await exchange(
      server.port,
      'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"user"',
    );
    const [response] = parseResponses(answer);
    expectContractAnswer(response as RawResponse, 408, "Request Timeout");
    await server.stop();
    expect(requestLines(server).map((line) => [line.method, line.path, line.status])).toEqual([
      ["POST", "/x", 408],
    ]);
  });
});

describe("every answer is the contract's, with one log line", () => {
  const refused: readonly (readonly [string, string, number, string])[] = [
    ["an HTTP/1.1 request without Host", "GET / HTTP/1.1\r\n\r\n", 400, "Bad Request"],
    [
      "an Expect header other than 100-continue",
      "POST / HTTP/1.1\r\nHost: x\r\nExpect: 42-foo\r\nContent-Length: 2\r\n\r\n{}",
      417,
      "Expectation Failed",
    ],
    [
      "CONNECT",
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
      400,
      "Bad Request",
    ],
    ["a lowercase method", "get / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "Bad Request"],
    ["a malformed request line", "GET/ HTTP/1.1 extra\r\n\r\n", 400, "Bad Request"],
    ["a header without a colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 400, "Bad Request"],
    [
      "Content-Length together with Transfer-Encoding",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
      400,
      "Bad Request",
    ],
    [
      "headers larger than the server accepts",
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
      431,
      "Request Header Fields Too Large",
    ],
  ];

  it("answers each request Node's parser refuses with the JSON error body and every security header", async () => {
    const server = await startBuiltServer();
    for (const [name, raw, status, error] of refused) {
      const answer = await exchange(server.port, raw);
      const responses = parseResponses(answer);
      expect(responses, name).toHaveLength(1);
      expectContractAnswer(responses[0] as RawResponse, status, error);
      expect(JSON.parse(responses[0]?.body ?? "").details, name).toEqual(expect.any(String));
    }
    await server.stop();
    const lines = requestLines(server);
    expect(lines.map((line) => line.status)).toEqual(refused.map(([, , status]) => status));
    for (const line of lines) {
      expect(line).toMatchObject({ level: "INFO", version: VERSION, reason: expect.any(String) });
    }
  });

  it("answers requests pipelined before a malformed one first, in order", async () => {
    const server = await startBuiltServer();
    const answer = await exchange(
      server.port,
      'GET /health HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{"user":"Ed"} GET/ HTTP/1.1 extra\r\n\r\n',
    );
    const responses = parseResponses(answer);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 400]);
    expect(JSON.parse(responses[1]?.body ?? "")).toMatchObject({
      result: { message: "Hello Ed! All OK!" },
    });
    expectContractAnswer(responses[2] as RawResponse, 400, "Bad Request");
    await server.stop();
    expect(requestLines(server).map((line) => line.status)).toEqual([200, 200, 400]);
  });

  it("answers a pipelined pair of good requests on one connection", async () => {
    const server = await startBuiltServer();
    const answer = await exchange(
      server.port,
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    const responses = parseResponses(answer);
    expect(responses.map((response) => response.status)).toEqual([200, 404]);
    for (const response of responses) expect(response.headers).toMatchObject(SECURITY_HEADERS);
  });
});

describe("one rule for bytes", () => {
  it.each(["application/json", "text/plain", "application/octet-stream"])(
    "answers invalid UTF-8 sent as %s with the same 400",
    async (contentType) => {
      const server = await startBuiltServer();
      const body = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
      const answer = await exchange(
        server.port,
        Buffer.concat([
          Buffer.from(
            `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
          ),
          body,
        ]),
      );
      const [response] = parseResponses(answer);
      expectContractAnswer(response as RawResponse, 400, "Invalid JSON input");
      expect(JSON.parse(response?.body ?? "").details).toBe("the body is not valid UTF-8 text");
    },
  );

  it("gives GET a Content-Length, not chunks, and HEAD the same Content-Length without a body", async () => {
    const server = await startBuiltServer();
    for (const path of ["/", "/health", "/nope"]) {
      const get = parseResponses(
        await exchange(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      const headText = await exchange(
        server.port,
        `HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      const head = parseResponses(headText, { head: true });
      expect(get[0]?.headers["transfer-encoding"]).toBeUndefined();
      expect(get[0]?.headers["content-length"]).toBe(String(get[0]?.body.length));
      expect(head[0]?.status).toBe(get[0]?.status);
      expect(head[0]?.headers["content-length"]).toBe(get[0]?.headers["content-length"]);
      expect(headText.endsWith("\r\n\r\n")).toBe(true);
    }
  });

  it("serves Node's own HTTP client a HEAD without hanging", async () => {
    const server = await startBuiltServer();
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${server.url}/`, { method: "HEAD" }, (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      });
      request.setTimeout(5_000, () => request.destroy(new Error("HEAD hung")));
      request.on("error", reject);
      request.end();
    });
    expect(status).toBe(200);
  });
});
