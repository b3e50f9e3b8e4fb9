/**
 * `npm run loadtest -- [--url <url>] [--duration <s>] [--connections <n>]`
 *
 * Replays the v2 service's load scenarios with autocannon and checks every response:
 *   1. POST /            expecting 200 and `"status": "success"`
 *   2. GET  /robots.txt  expecting 404 with `Strict-Transport-Security`
 * Prints requests per second, p50/p90/p99 latency and failed checks per scenario; exits 1 when a
 * check failed. Without --url it starts the local server in this process on 127.0.0.1 (a free
 * port), with request logging at WARN so the log does not compete with the load generator.
 * Point --url at a deployed Function URL to test it; each scenario runs --duration seconds.
 */
import { parseArgs } from "node:util";
import { createLambdaHandler } from "@agnostic-lambda-core/function/src/adapters/lambda";
import {
  createLocalServer,
  listen,
  type StartedServer,
} from "@agnostic-lambda-core/function/src/adapters/local-server";
import { greetingCore } from "@agnostic-lambda-core/function/src/core/greeting";
import { createRequestLogger } from "@agnostic-lambda-core/function/src/logging/index";
import autocannon from "autocannon";

const MAX_DURATION_SECONDS = 600;

interface Scenario {
  readonly name: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Returns why the response fails the check, or undefined when it passes. */
  readonly check: (
    status: number,
    body: string,
    headers: Record<string, string>,
  ) => string | undefined;
}

const scenarios: readonly Scenario[] = [
  {
    name: "POST / expecting success",
    method: "POST",
    path: "/",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "LoadTest" }),
    check: (status, body) => {
      if (status !== 200) return `status ${status}`;
      try {
        const parsed = JSON.parse(body) as { status?: unknown };
        return parsed.status === "success" ? undefined : `body status ${String(parsed.status)}`;
      } catch {
        return "body is not JSON";
      }
    },
  },
  {
    name: "GET /robots.txt expecting 404 with HSTS",
    method: "GET",
    path: "/robots.txt",
    check: (status, _body, headers) => {
      if (status !== 404) return `status ${status}`;
      return headers["strict-transport-security"] === undefined
        ? "no Strict-Transport-Security header"
        : undefined;
    },
  },
];

interface Options {
  readonly url: string | undefined;
  readonly durationSeconds: number;
  readonly connections: number;
}

function readOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: "string" },
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "10" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      "usage: npm run loadtest -- [--url <url>] [--duration <s>] [--connections <n>]\n",
    );
    process.exit(0);
  }
  const durationSeconds = Number(values.duration);
  if (
    !Number.isInteger(durationSeconds) ||
    durationSeconds < 1 ||
    durationSeconds > MAX_DURATION_SECONDS
  ) {
    throw new Error(
      `--duration must be an integer from 1 to ${MAX_DURATION_SECONDS} seconds, got ${values.duration}`,
    );
  }
  const connections = Number(values.connections);
  if (!Number.isInteger(connections) || connections < 1 || connections > 1_000) {
    throw new Error(`--connections must be an integer from 1 to 1000, got ${values.connections}`);
  }
  if (values.url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(values.url);
    } catch {
      throw new Error(`--url must be an absolute http(s) URL, got ${values.url}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new Error(`--url must use http or https, got ${parsed.protocol}`);
    }
  }
  return { url: values.url, durationSeconds, connections };
}

interface ScenarioResult {
  readonly name: string;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number };
  readonly failedChecks: number;
  readonly firstFailure: string | undefined;
}

async function runScenario(
  base: URL,
  scenario: Scenario,
  options: Options,
): Promise<ScenarioResult> {
  let failedChecks = 0;
  let firstFailure: string | undefined;
  const url = new URL(
    scenario.path.replace(/^\//, ""),
    base.href.endsWith("/") ? base : `${base.href}/`,
  );
  const result = await autocannon({
    url: url.href,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [
      {
        method: scenario.method,
        path: `${url.pathname}${url.search}`,
        ...(scenario.headers === undefined ? {} : { headers: scenario.headers }),
        ...(scenario.body === undefined ? {} : { body: scenario.body }),
        onResponse: (status, body, _context, headers) => {
          const lowerCased = Object.fromEntries(
            Object.entries(headers ?? {}).map(([name, value]) => [
              name.toLowerCase(),
              String(value),
            ]),
          );
          const failure = scenario.check(status, body, lowerCased);
          if (failure !== undefined) {
            failedChecks += 1;
            firstFailure ??= failure;
          }
        },
      },
    ],
  });
  // Connection errors and timeouts are failed checks too: the response never came.
  const transportFailures = result.errors + result.timeouts;
  if (transportFailures > 0)
    firstFailure ??= `${result.errors} connection errors, ${result.timeouts} timeouts`;
  if (result.requests.total === 0) firstFailure ??= "no request completed";
  return {
    name: scenario.name,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    failedChecks: failedChecks + transportFailures + (result.requests.total === 0 ? 1 : 0),
    firstFailure,
  };
}

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  let local: StartedServer | undefined;
  let target = options.url;
  if (target === undefined) {
    const logger = createRequestLogger({ serviceName: "agnostic-lambda-core", logLevel: "WARN" });
    const handler = createLambdaHandler(greetingCore, { version: "loadtest", logger });
    local = await listen(
      createLocalServer({ handler, version: "loadtest", logger }),
      "127.0.0.1",
      0,
    );
    target = local.url;
  }
  console.log(
    `load test against ${target}: ${options.connections} connections, ${options.durationSeconds} s per scenario`,
  );
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios)
      results.push(await runScenario(new URL(target), scenario, options));
  } finally {
    await local?.close();
  }
  console.log("");
  console.log(
    `${"scenario".padEnd(42)} ${"req/s".padStart(9)} ${"p50 ms".padStart(7)} ${"p90 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"requests".padStart(9)} ${"failed".padStart(7)}`,
  );
  for (const result of results) {
    console.log(
      `${result.name.padEnd(42)} ${result.requestsPerSecond.toFixed(0).padStart(9)} ${String(result.latencyMs.p50).padStart(7)} ${String(result.latencyMs.p90).padStart(7)} ${String(result.latencyMs.p99).padStart(7)} ${String(result.requests).padStart(9)} ${String(result.failedChecks).padStart(7)}`,
    );
    if (result.firstFailure !== undefined) console.log(`  first failure: ${result.firstFailure}`);
  }
  const failed = results.reduce((sum, result) => sum + result.failedChecks, 0);
  console.log(`\nfailed checks: ${failed}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`loadtest: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
