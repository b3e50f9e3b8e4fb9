/**
 * An in-process fake of an AWS JSON-protocol API (awsJson1_1: POST /, the operation in the
 * `X-Amz-Target` header, a JSON body) on 127.0.0.1 and a free port. Tests point a real AWS SDK v3
 * client at it (the `endpoint` option or `AWS_ENDPOINT_URL`) and script each operation's answer.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  /** e.g. `Logs_20140328.FilterLogEvents` */
  readonly target: string;
  readonly body: Record<string, unknown>;
}

export interface FakeAnswer {
  readonly status?: number;
  readonly body: unknown;
}

/** Answers one request; an unscripted target gets a 400 UnknownOperationException. */
export type FakeHandler = (request: FakeRequest) => FakeAnswer;

export interface FakeAwsEndpoint {
  readonly url: string;
  readonly requests: readonly FakeRequest[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** An AWS JSON error answer as the SDK's deserialiser expects it. */
export function awsError(status: number, type: string, message: string): FakeAnswer {
  return { status, body: { __type: type, message } };
}

export async function startFakeAwsEndpoint(
  handlers: Readonly<Record<string, FakeHandler>>,
): Promise<FakeAwsEndpoint> {
  const requests: FakeRequest[] = [];
  const server = createServer(async (request, response) => {
    const target = String(request.headers["x-amz-target"] ?? "");
    const text = await readBody(request);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    requests.push({ target, body });
    const handler = handlers[target];
    const answer = handler
      ? handler({ target, body })
      : awsError(400, "UnknownOperationException", `no fake for ${target}`);
    response.writeHead(answer.status ?? 200, { "content-type": "application/x-amz-json-1.1" });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}

/** Credentials the fake never checks; the SDK only needs something to sign with. */
export const FAKE_CREDENTIALS = {
  accessKeyId: "AKIDFAKE",
  secretAccessKey: "fake-secret",
} as const;
