import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SNSClient } from "@aws-sdk/client-sns";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { main, outcomeMessage, type ReleaseOutcome } from "../notify";
import { type LocalServer, startLocalServer } from "./support/http";

const TOPIC = "arn:aws:sns:eu-west-1:111111111111:agnostic-lambda-core-dev-alarms";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const NOW = 1_750_000_100;

function makeArgs(overrides: Record<string, string> = {}): string[] {
  const values: Record<string, string> = {
    "topic-arn": TOPIC,
    stage: "dev",
    version: "0123456789abcdef0123456789abcdef01234567",
    digest: DIGEST,
    status: "success",
    "started-at": String(NOW - 125),
    "run-url": "https://github.com/o/r/actions/runs/42",
    ...overrides,
  };
  return Object.entries(values).flatMap(([name, value]) => [`--${name}`, value]);
}

function makeOutcome(overrides: Partial<ReleaseOutcome> = {}): ReleaseOutcome {
  return {
    project: "agnostic-lambda-core",
    stage: "prod",
    version: "abc",
    digest: DIGEST,
    status: "failure",
    durationSeconds: 61,
    runUrl: "https://github.com/o/r/actions/runs/1",
    ...overrides,
  };
}

/** A fake SNS endpoint speaking the query protocol the SDK uses. */
async function startFakeSns(status = 200): Promise<LocalServer> {
  return startLocalServer((_request, _body, response) => {
    response.writeHead(status, { "content-type": "text/xml" });
    response.end(
      status === 200
        ? '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>'
        : '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>not allowed</Message></Error><RequestId>r-2</RequestId></ErrorResponse>',
    );
  });
}

function clientFor(server: LocalServer): SNSClient {
  return new SNSClient({
    region: "eu-west-1",
    endpoint: server.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

describe("notify", () => {
  it("publishes stage, version, status, duration and run link to the topic", async () => {
    server = await startFakeSns();
    vi.spyOn(console, "log").mockImplementation(() => undefined);

    const code = await main(makeArgs(), { client: clientFor(server), nowSeconds: NOW });

    expect(code).toBe(0);
    const form = new URLSearchParams(server.requests[0]?.body);
    expect(form.get("Action")).toBe("Publish");
    expect(form.get("TopicArn")).toBe(TOPIC);
    expect(form.get("Subject")).toBe("[agnostic-lambda-core] dev release 0123456789ab: success");
    const message = form.get("Message") ?? "";
    expect(message).toContain("Stage:    dev");
    expect(message).toContain("Version:  0123456789abcdef0123456789abcdef01234567");
    expect(message).toContain("Duration: 2 min 5 s");
    expect(message).toContain("Run:      https://github.com/o/r/actions/runs/42");
  });

  it("appends the outcome to the job summary file", async () => {
    server = await startFakeSns();
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const directory = mkdtempSync(join(tmpdir(), "notify-"));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const summary = join(directory, "summary.md");

    await main(makeArgs({ "summary-file": summary, status: "failure" }), {
      client: clientFor(server),
      nowSeconds: NOW,
    });

    const markdown = readFileSync(summary, "utf8");
    expect(markdown).toContain("### ❌ dev: failure");
    expect(markdown).toContain(
      `| dev | \`0123456789abcdef0123456789abcdef01234567\` | \`${DIGEST}\` | failure | 2 min 5 s |`,
    );
  });

  it("exits 1 when SNS refuses the message", async () => {
    server = await startFakeSns(403);
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);

    const code = await main(makeArgs(), { client: clientFor(server), nowSeconds: NOW });

    expect(code).toBe(1);
    expect(errors.mock.calls.flat().join("")).toContain("AuthorizationError");
  });

  it.each([
    [{ status: "done" }, '--status must be one of success, failure, cancelled, got "done"'],
    [{ "topic-arn": "arn:aws:s3:::bucket" }, "--topic-arn must be an SNS topic ARN"],
    [{ "started-at": "yesterday" }, "--started-at must be a past Unix time in seconds"],
    [{ digest: "latest" }, "--digest must look like sha256:<64 hex digits>"],
  ])("exits 2 naming the bad argument %j", async (override, message) => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);

    const code = await main(makeArgs(override), { nowSeconds: NOW });

    expect(code).toBe(2);
    expect(errors.mock.calls.flat().join("")).toContain(message);
  });
});

describe("outcomeMessage", () => {
  it("keeps the subject within SNS's 100 characters", () => {
    const { subject } = outcomeMessage(makeOutcome({ stage: "s".repeat(120) }));

    expect(subject.length).toBeLessThanOrEqual(100);
  });
});
