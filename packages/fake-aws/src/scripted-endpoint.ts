/**
 * A scripted fake of an AWS JSON-protocol API (awsJson1_1: POST /, the operation in the
 * `X-Amz-Target` header, a JSON body) on 127.0.0.1 and a free port, for tests that answer each
 * operation with a plain function. It is a thin adapter over the project's one in-process AWS
 * fake (fake-aws-endpoint.ts, beside this file), which does the HTTP work. Tests point a
 * real AWS SDK v3 client at it (the `endpoint` option or `AWS_ENDPOINT_URL`).
 */
import { FakeAwsEndpoint as JsonEndpoint } from "./fake-aws-endpoint.js";

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
  /** Every request received, scripted or not, in order. */
  readonly requests: readonly FakeRequest[];
  close(): Promise<void>;
}

/** An AWS JSON error answer as the SDK's deserialiser expects it. */
export function awsError(status: number, type: string, message: string): FakeAnswer {
  return { status, body: { __type: type, message } };
}

export async function startFakeAwsEndpoint(
  handlers: Readonly<Record<string, FakeHandler>>,
): Promise<FakeAwsEndpoint> {
  const endpoint = new JsonEndpoint();
  for (const [target, handler] of Object.entries(handlers)) {
    endpoint.target(target, (request) => {
      const answer = handler({ target, body: request.json });
      return {
        status: answer.status,
        headers: { "content-type": "application/x-amz-json-1.1" },
        body: answer.body,
      };
    });
  }
  const url = await endpoint.start();
  return {
    url,
    get requests() {
      return endpoint.calls.map((call) => ({ target: call.target ?? "", body: call.json }));
    },
    close: () => endpoint.stop(),
  };
}

/** Credentials the fake never checks; the SDK only needs something to sign with. */
export const FAKE_CREDENTIALS = {
  accessKeyId: "AKIDFAKE",
  secretAccessKey: "fake-secret",
} as const;
