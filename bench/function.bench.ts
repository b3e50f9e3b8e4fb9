/**
 * The function's benchmarks (`npm run bench`, after `npm run build`). Each figure is printed
 * with its budget from issue 2 and PASS or MISS; the process exits 1 if any budget is missed.
 *
 * - Warm invocation: µs per `await handler(event, context)` for a POST / event, timed one call
 *   at a time (100 000 calls after 30 000 warm-up calls) in a fresh Node process that imported
 *   the built bundle. The request log is on and really written: the child's stdout is
 *   /dev/null, so every request costs the same write(2) system call it costs in Lambda.
 *   The same is measured for the greeting behind an async core (what an awaited core costs),
 *   for a bundle variant that logs through Powertools' Logger, and with logging off, so the
 *   logger's share is visible.
 * - The v2 Python handler, timed the same way in the same run (bench/v2/: rebuilt from v2's
 *   contract, one log line per request, `python3 -u` so each line is its own write(2) as in
 *   Node). The warm figures are given as ratios to it; the budget is 6x faster with the log
 *   line written, and under 1 µs without it. Without python3 the 17 µs issue 2 measured on
 *   this machine class stands in, and the report says so.
 * - Cold start proxy: wall-clock ms of `node -e <import index.mjs and invoke once>` minus
 *   `node -e 0`, medians of interleaved runs.
 * - Bundle size of function/dist/index.mjs.
 * - Local server: requests/s with autocannon on loopback against the built server bundle
 *   (logging to /dev/null) and against a bare node:http server answering fixed JSON, both in
 *   child processes, alternating, in the same run; the ratio is the figure (2 shared cores).
 *   Each server's CPU time per request (from /proc) is printed too: on a machine shared with
 *   other work it says where the time goes when the throughput ratio is noisy.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { bundleOptions } from "@agnostic-lambda-core/function/build";
import autocannon from "autocannon";
import { build } from "esbuild";
import { measure, recordVerdict } from "./report";
import { median } from "./stats";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const indexBundle = join(root, "function/dist/index.mjs");
const serverBundle = join(root, "function/dist/server.mjs");

/** The v2 Python handler's warm invocation issue 2 measured, µs: used only without python3. */
const V2_PYTHON_ISSUE_2_MICROSECONDS = 17;

const BUDGET = {
  /** How many times faster than the v2 Python handler (same run) the warm handler must be. */
  timesFasterThanV2: 6,
  /** The handler's own cost, without the log line's write. */
  silentMedianMicroseconds: 1,
  bundleKibibytes: 100,
  coldStartMilliseconds: 15,
  serverRatio: 0.8,
};

const postEvent = (() => {
  const event = JSON.parse(
    readFileSync(join(root, "function/test/fixtures/function-url-post-other-path.json"), "utf8"),
  ) as Record<string, unknown> & { requestContext: { http: Record<string, unknown> } };
  event.rawPath = "/";
  event.rawQueryString = "";
  event.requestContext.http.path = "/";
  event.headers = { "content-type": "application/json", host: "abc.lambda-url.eu-west-1.on.aws" };
  delete event.cookies;
  delete event.queryStringParameters;
  event.body = JSON.stringify({ user: "Ada" });
  return event;
})();

// Runs in a child process: import a bundle, warm it up, time calls one by one.
const WARM_CHILD = `
const [bundle, eventJson, warmup, calls] = process.argv.slice(1);
const { handler } = await import(bundle);
const event = JSON.parse(eventJson);
const context = { awsRequestId: "bench", functionName: "bench", getRemainingTimeInMillis: () => 30000 };
const first = await handler(event, context);
if (first.statusCode !== 200) throw new Error("unexpected status " + first.statusCode + ": " + first.body);
for (let i = 0; i < Number(warmup); i++) await handler(event, context);
const samples = new Float64Array(Number(calls));
for (let i = 0; i < samples.length; i++) {
  const start = process.hrtime.bigint();
  await handler(event, context);
  samples[i] = Number(process.hrtime.bigint() - start);
}
const timer = new Float64Array(10000);
for (let i = 0; i < timer.length; i++) { const start = process.hrtime.bigint(); timer[i] = Number(process.hrtime.bigint() - start); }
samples.sort(); timer.sort();
const at = (array, q) => array[Math.min(array.length - 1, Math.floor(q * array.length))];
process.stderr.write(JSON.stringify({ medianNs: at(samples, 0.5), p99Ns: at(samples, 0.99), timerNs: at(timer, 0.5) }) + "\\n");
`;

const COLD_CHILD = `
const { handler } = await import(process.argv[1]);
const result = await handler(JSON.parse(process.argv[2]), { awsRequestId: "cold", getRemainingTimeInMillis: () => 30000 });
if (result.statusCode !== 200) process.exit(3);
`;

const BARE_SERVER = `
const body = JSON.stringify({ version: "bare", status: "success", message: "Request processed successfully.", result: { message: "Hello Ada! All OK!", status: "works", subsystem: "agnostic-core-v3" } });
const server = require("node:http").createServer((request, response) => {
  request.resume();
  request.on("end", () => { response.writeHead(200, { "content-type": "application/json" }); response.end(body); });
});
server.listen(0, "127.0.0.1", () => process.stderr.write("listening on http://127.0.0.1:" + server.address().port + "\\n"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

interface Figure {
  readonly name: string;
  readonly value: string;
  readonly budget: string;
  readonly pass: boolean | undefined;
}

const figures: Figure[] = [];

function report(figure: Figure): void {
  figures.push(figure);
  const verdict = figure.pass === undefined ? "info" : figure.pass ? "PASS" : "MISS";
  if (figure.pass !== undefined) {
    recordVerdict({
      name: figure.name,
      value: figure.value,
      budget: figure.budget,
      met: figure.pass,
    });
  }
  console.log(
    `${figure.name.padEnd(48)} ${figure.value.padStart(14)}   budget ${figure.budget.padEnd(18)} ${verdict}`,
  );
}

function measureWarm(bundle: string, env: Record<string, string> = {}) {
  const child = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", WARM_CHILD, bundle, JSON.stringify(postEvent), "30000", "100000"],
    {
      env: { PATH: process.env.PATH, VERSION: "bench", ...env },
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    },
  );
  if (child.status !== 0) throw new Error(`warm benchmark of ${bundle} failed: ${child.stderr}`);
  const lines = child.stderr.trim().split("\n");
  return JSON.parse(lines.at(-1) ?? "{}") as { medianNs: number; p99Ns: number; timerNs: number };
}

/** Times the v2 Python handler as {@link measureWarm} times v3; undefined without python3. */
function measureV2Python() {
  const child = spawnSync(
    "python3",
    ["-u", join(root, "bench/v2/measure.py"), JSON.stringify(postEvent), "30000", "100000"],
    {
      // No __pycache__ left in bench/v2.
      env: { PATH: process.env.PATH, VERSION: "bench", PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    },
  );
  if ((child.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return undefined;
  if (child.status !== 0) throw new Error(`the v2 Python benchmark failed: ${child.stderr}`);
  const lines = child.stderr.trim().split("\n");
  return JSON.parse(lines.at(-1) ?? "{}") as { medianNs: number; p99Ns: number };
}

function wallMilliseconds(args: readonly string[]): number {
  const start = performance.now();
  const child = spawnSync(process.execPath, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { PATH: process.env.PATH },
  });
  const elapsed = performance.now() - start;
  if (child.status !== 0)
    throw new Error(`node ${args.join(" ")} exited ${child.status}: ${child.stderr}`);
  return elapsed;
}

function measureColdStart(bundle: string, runs = 31): { bundleMs: number; emptyMs: number } {
  const withBundle: number[] = [];
  const empty: number[] = [];
  const args = ["--input-type=module", "-e", COLD_CHILD, bundle, JSON.stringify(postEvent)];
  wallMilliseconds(["-e", "0"]); // first spawn warms the OS file cache for node itself
  wallMilliseconds(args);
  for (let run = 0; run < runs; run += 1) {
    empty.push(wallMilliseconds(["-e", "0"]));
    withBundle.push(wallMilliseconds(args));
  }
  return { bundleMs: median(withBundle), emptyMs: median(empty) };
}

async function startChildServer(args: readonly string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** CPU time (user + system) a process has used, µs; undefined where /proc is not there. */
function cpuMicroseconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    // Linux reports clock ticks of 1/100 s (USER_HZ) in /proc/<pid>/stat.
    return Number.isFinite(ticks) ? ticks * 10_000 : undefined;
  } catch {
    return undefined;
  }
}

async function requestsPerSecond(
  server: { readonly url: string; readonly pid: number | undefined },
  seconds: number,
): Promise<{ rate: number; cpuMicrosecondsPerRequest: number | undefined }> {
  const cpuBefore = cpuMicroseconds(server.pid);
  const result = await autocannon({
    url: `${server.url}/`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "Ada" }),
    connections: 10,
    duration: seconds,
  });
  const cpuAfter = cpuMicroseconds(server.pid);
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${server.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return {
    rate: result.requests.average,
    cpuMicrosecondsPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
        ? undefined
        : (cpuAfter - cpuBefore) / result.requests.total,
  };
}

/** Bundles a handler variant written as module source (imports relative to the repository root). */
async function bundleVariant(directory: string, name: string, contents: string): Promise<string> {
  const outfile = join(directory, `${name}.mjs`);
  await build({
    ...bundleOptions,
    sourcemap: false,
    absWorkingDir: root,
    outfile,
    stdin: { resolveDir: root, loader: "ts", contents },
  });
  return outfile;
}

const bundlePowertoolsVariant = (directory: string) =>
  bundleVariant(
    directory,
    "powertools-variant",
    `
    import { createLambdaHandler } from "./function/src/adapters/lambda.ts";
    import { readConfig } from "./function/src/config.ts";
    import { greetingCore } from "./function/src/core/greeting.ts";
    import { createPowertoolsRequestLogger } from "./function/src/logging/powertools.ts";
    const config = readConfig(process.env);
    export const handler = createLambdaHandler(greetingCore, {
      version: config.version,
      logger: createPowertoolsRequestLogger({ serviceName: config.serviceName, logLevel: config.logLevel }),
    });`,
  );

/** The same greeting behind an async core: what an awaited core costs on top of a sync one. */
const bundleAsyncCoreVariant = (directory: string) =>
  bundleVariant(
    directory,
    "async-core-variant",
    `
    import { createLambdaHandler } from "./function/src/adapters/lambda.ts";
    import { readConfig } from "./function/src/config.ts";
    import { greetingCore } from "./function/src/core/greeting.ts";
    import { createRequestLogger } from "./function/src/logging/index.ts";
    const config = readConfig(process.env);
    export const handler = createLambdaHandler(async (payload) => greetingCore(payload), {
      version: config.version,
      logger: createRequestLogger(config),
    });`,
  );

async function main(): Promise<number> {
  for (const file of [indexBundle, serverBundle]) statSync(file); // throws ENOENT: run `npm run build` first
  const scratch = mkdtempSync(join(tmpdir(), "function-bench-"));
  try {
    console.log(
      `node ${process.version}; log lines go to /dev/null through process.stdout (a real write per request)\n`,
    );

    const bundleKib = statSync(indexBundle).size / 1024;
    report({
      name: "bundle size function/dist/index.mjs",
      value: `${bundleKib.toFixed(1)} KiB`,
      budget: `< ${BUDGET.bundleKibibytes} KiB`,
      pass: bundleKib < BUDGET.bundleKibibytes,
    });
    const powertoolsBundle = await measure("bundle with Powertools Logger", () =>
      bundlePowertoolsVariant(scratch),
    );
    const powertoolsKib = statSync(powertoolsBundle).size / 1024;
    report({
      name: "  variant: bundle with Powertools Logger",
      value: `${powertoolsKib.toFixed(1)} KiB`,
      budget: `< ${BUDGET.bundleKibibytes} KiB`,
      pass: undefined,
    });

    const v2 = await measure("v2 Python handler (same run)", () => measureV2Python());
    const v2Micro = v2 === undefined ? V2_PYTHON_ISSUE_2_MICROSECONDS : v2.medianNs / 1000;
    report({
      name: "v2 Python handler POST /, median",
      value: `${v2Micro.toFixed(2)} µs`,
      budget: v2 === undefined ? "(issue 2 figure)" : "(same run)",
      pass: undefined,
    });
    if (v2 === undefined) console.log("  (issue 2's figure stands in: python3 is not installed)");
    const warm = await measure("warm invocations (100 000 after 30 000 warm-up)", () =>
      measureWarm(indexBundle),
    );
    const warmMedian = warm.medianNs / 1000;
    report({
      name: "warm invocation POST /, sync core, median",
      value: `${warmMedian.toFixed(2)} µs`,
      budget: `<= ${(v2Micro / BUDGET.timesFasterThanV2).toFixed(2)} µs`,
      pass: warmMedian <= v2Micro / BUDGET.timesFasterThanV2,
    });
    report({
      name: "  v2 Python / sync core",
      value: `${(v2Micro / warmMedian).toFixed(1)} x`,
      budget: `>= ${BUDGET.timesFasterThanV2} x`,
      pass: v2Micro / warmMedian >= BUDGET.timesFasterThanV2,
    });
    report({
      name: "warm invocation POST /, p99",
      value: `${(warm.p99Ns / 1000).toFixed(2)} µs`,
      budget: "(none)",
      pass: undefined,
    });
    const silent = await measure("warm invocations without the request log", () =>
      measureWarm(indexBundle, { LOG_LEVEL: "SILENT" }),
    );
    const silentMedian = silent.medianNs / 1000;
    report({
      name: "  without the request log line, median",
      value: `${silentMedian.toFixed(2)} µs`,
      budget: `< ${BUDGET.silentMedianMicroseconds} µs`,
      pass: silentMedian < BUDGET.silentMedianMicroseconds,
    });
    const asyncBundle = await bundleAsyncCoreVariant(scratch);
    const asyncCore = await measure("warm invocations, async core variant", () =>
      measureWarm(asyncBundle),
    );
    const asyncMedian = asyncCore.medianNs / 1000;
    report({
      name: "warm invocation POST /, async core, median",
      value: `${asyncMedian.toFixed(2)} µs`,
      budget: "(reference)",
      pass: undefined,
    });
    report({
      name: "  v2 Python / async core",
      value: `${(v2Micro / asyncMedian).toFixed(1)} x`,
      budget: "(reference)",
      pass: undefined,
    });
    const powertools = await measure("warm invocations, Powertools Logger variant", () =>
      measureWarm(powertoolsBundle),
    );
    report({
      name: "  variant: Powertools Logger, median",
      value: `${(powertools.medianNs / 1000).toFixed(2)} µs`,
      budget: "(reference)",
      pass: undefined,
    });
    report({
      name: "  variant: Powertools Logger, p99",
      value: `${(powertools.p99Ns / 1000).toFixed(2)} µs`,
      budget: "(none)",
      pass: undefined,
    });
    console.log(`  (each timing includes one hrtime pair, ${warm.timerNs} ns)`);

    const cold = await measure("cold starts (31 interleaved runs)", () =>
      measureColdStart(indexBundle),
    );
    const coldDelta = cold.bundleMs - cold.emptyMs;
    report({
      name: "cold start: import + first call - node -e 0",
      value: `${coldDelta.toFixed(1)} ms`,
      budget: `< ${BUDGET.coldStartMilliseconds} ms`,
      pass: coldDelta < BUDGET.coldStartMilliseconds,
    });
    console.log(
      `  (median of 31: ${cold.bundleMs.toFixed(1)} ms with the bundle, ${cold.emptyMs.toFixed(1)} ms for node -e 0)`,
    );
    const powertoolsCold = await measure("cold starts, Powertools Logger variant", () =>
      measureColdStart(powertoolsBundle),
    );
    report({
      name: "  variant: Powertools Logger",
      value: `${(powertoolsCold.bundleMs - powertoolsCold.emptyMs).toFixed(1)} ms`,
      budget: `< ${BUDGET.coldStartMilliseconds} ms`,
      pass: undefined,
    });

    console.log("▶ local server against bare node:http (3 x 4 s each) ...");
    const serverStarted = performance.now();
    const local = await startChildServer([serverBundle], {
      PORT: "0",
      HOST: "127.0.0.1",
      VERSION: "bench",
    });
    const bare = await startChildServer(["-e", BARE_SERVER], {});
    const localRates: number[] = [];
    const bareRates: number[] = [];
    const localCpu: number[] = [];
    const bareCpu: number[] = [];
    try {
      await requestsPerSecond(local, 1); // warm both up
      await requestsPerSecond(bare, 1);
      for (let round = 0; round < 3; round += 1) {
        const bareRound = await requestsPerSecond(bare, 4);
        const localRound = await requestsPerSecond(local, 4);
        bareRates.push(bareRound.rate);
        localRates.push(localRound.rate);
        if (bareRound.cpuMicrosecondsPerRequest !== undefined) {
          bareCpu.push(bareRound.cpuMicrosecondsPerRequest);
        }
        if (localRound.cpuMicrosecondsPerRequest !== undefined) {
          localCpu.push(localRound.cpuMicrosecondsPerRequest);
        }
      }
    } finally {
      await Promise.all([local.stop(), bare.stop()]);
    }
    console.log(
      `✓ local server against bare node:http (${((performance.now() - serverStarted) / 1000).toFixed(1)} s)`,
    );
    const localRps = localRates.reduce((a, b) => a + b, 0) / localRates.length;
    const bareRps = bareRates.reduce((a, b) => a + b, 0) / bareRates.length;
    const ratio = localRps / bareRps;
    report({
      name: "local server / bare node:http (POST /)",
      value: `${(ratio * 100).toFixed(0)} %`,
      budget: `>= ${BUDGET.serverRatio * 100} %`,
      pass: ratio >= BUDGET.serverRatio,
    });
    console.log(
      `  (${localRps.toFixed(0)} req/s vs ${bareRps.toFixed(0)} req/s, 10 connections, 3 x 4 s each, alternating)`,
    );
    if (localCpu.length > 0 && bareCpu.length > 0) {
      const localCpuMedian = median(localCpu);
      const bareCpuMedian = median(bareCpu);
      report({
        name: "  server CPU per request, local / bare",
        value: `${localCpuMedian.toFixed(1)} / ${bareCpuMedian.toFixed(1)} µs`,
        budget: "(reference)",
        pass: undefined,
      });
      console.log(
        `  (bare / local CPU per request: ${((bareCpuMedian / localCpuMedian) * 100).toFixed(0)} %; medians of 3 rounds, from /proc/<pid>/stat)`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const missed = figures.filter((figure) => figure.pass === false);
  console.log(
    missed.length === 0
      ? "\nall budgets met"
      : `\n${missed.length} budget(s) missed: ${missed.map((figure) => figure.name).join("; ")}`,
  );
  return missed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  },
);
