import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { repositoryRoot } from "./events.js";

export const SERVER_BUNDLE = join(repositoryRoot, "function/dist/server.mjs");

/** The built server bundle running in a child process, on 127.0.0.1 and a free port. */
export interface BuiltServer {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Everything written to stdout so far (the request log). */
  stdout(): string;
  /** Everything written to stderr so far (the server's own events). */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Sends SIGTERM and waits for the exit; SIGKILL after `graceMs` if it has not gone. */
  stop(graceMs?: number): Promise<number | string>;
}

const running = new Set<ChildProcess>();

/** Kills every server a test left running (call it in afterEach/afterAll). */
export function killBuiltServers(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** Starts function/dist/server.mjs with `env` on top of a minimal environment. */
export async function startBuiltServer(env: Record<string, string> = {}): Promise<BuiltServer> {
  if (!existsSync(SERVER_BUNDLE)) {
    throw new Error(`${SERVER_BUNDLE} is missing: run \`npm run build\` first (npm test does)`);
  }
  const child = spawn(process.execPath, [SERVER_BUNDLE], {
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", VERSION: "socket-1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? "unknown");
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start: ${stderr}`)),
      10_000,
    );
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(stderr);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}: ${stderr}`));
    });
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The JSON lines a stream holds, parsed. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Resolves once `predicate` holds, polling every 20 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5_000) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A raw TCP client that records what the server sends and when the connection closes. */
export interface RawClient {
  readonly socket: Socket;
  received(): string;
  readonly closed: Promise<void>;
  /** Whether the server has closed the connection. */
  isClosed(): boolean;
}

export function openRawClient(port: number, firstBytes?: string | Buffer): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    let isClosed = false;
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    // Resets and broken pipes are how a server closes on a client still writing.
    socket.on("error", () => undefined);
    const closed = new Promise<void>((done) =>
      socket.once("close", () => {
        isClosed = true;
        done();
      }),
    );
    socket.once("connect", () => {
      if (firstBytes !== undefined) socket.write(firstBytes);
      resolve({ socket, received: () => text, closed, isClosed: () => isClosed });
    });
    socket.once("error", reject);
  });
}

/**
 * Sends `bytes` on a new connection and resolves with everything the server sent once it closes
 * the connection (or after `timeoutMs`, closing it from this side).
 */
export async function exchange(port: number, bytes: string | Buffer, timeoutMs = 5_000) {
  const client = await openRawClient(port, bytes);
  const timer = setTimeout(() => client.socket.destroy(), timeoutMs);
  await client.closed;
  clearTimeout(timer);
  return client.received();
}

export interface RawResponse {
  readonly statusLine: string;
  readonly status: number;
  /** Lower-case names; a repeated header keeps its last value. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Splits raw HTTP/1.1 responses (each with a Content-Length, or none for HEAD/204). */
export function parseResponses(text: string, options: { head?: boolean } = {}): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) throw new Error(`an incomplete response: ${JSON.stringify(rest)}`);
    const [statusLine = "", ...lines] = rest.slice(0, end).split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine.split(" ")[1]);
    const length =
      options.head === true || status === 204 || status === 100
        ? 0
        : Number(headers["content-length"] ?? Number.NaN);
    if (Number.isNaN(length)) throw new Error(`a response without Content-Length: ${statusLine}`);
    const bodyStart = end + 4;
    responses.push({
      statusLine,
      status,
      headers,
      body: rest.slice(bodyStart, bodyStart + length),
    });
    rest = rest.slice(bodyStart + length);
  }
  return responses;
}
