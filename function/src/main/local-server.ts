/**
 * `npm start` (and the `server` container's entry, bundled as function/dist/server.mjs): serves
 * the Lambda handler over HTTP on HOST:PORT (default 127.0.0.1:3000), one log line per request on
 * stdout, the server's own events (listening, draining, closed) as JSON lines on stderr. SIGTERM
 * or SIGINT drains within SHUTDOWN_DEADLINE_MS and exits 0; a second signal exits at once.
 */
import { createLambdaHandler } from "../adapters/lambda.js";
import { createLocalServer, listen, stopOnSignal } from "../adapters/local-server.js";
import { ConfigurationError, readConfig, readServerConfig } from "../config.js";
import { createRequestLogger } from "../logging/index.js";
import {
  createBatchingSink,
  createJsonLinesEventLog,
  describeError,
} from "../logging/json-lines.js";
import { service } from "../service.js";

const events = createJsonLinesEventLog({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || "agnostic-lambda-core",
  sink: (line) => process.stderr.write(line),
});

async function main(): Promise<number> {
  const config = readConfig(process.env);
  const serverConfig = readServerConfig(process.env);
  // One write per event-loop turn, not per request; whatever waits is written before exit.
  const requestLog = createBatchingSink((text) => process.stdout.write(text));
  process.on("exit", requestLog.flush);
  const logger = createRequestLogger(config, requestLog);
  const handler = createLambdaHandler(service.createCore(process.env), {
    version: config.version,
    logger,
    // Nothing stops a local request at its deadline, so no time is kept back to answer: an
    // async core gets all of REQUEST_TIMEOUT_MS.
    deadlineMarginMs: 0,
  });
  const started = await listen(
    createLocalServer({
      handler,
      version: config.version,
      logger,
      requestTimeoutMs: config.requestTimeoutMs,
      timeouts: serverConfig,
    }),
    config.host,
    config.port,
  );
  // Handlers first: a platform may signal the moment it reads the line below, and Node only
  // takes over a signal some time after `process.on` returns (measured: 7 in 10 such signals hit
  // the default action when the line came first).
  const stopped = stopOnSignal(started, {
    deadlineMs: serverConfig.shutdownDeadlineMs,
    log: events,
  });
  events("INFO", `listening on ${started.url} (version ${config.version})`, {
    url: started.url,
    version: config.version,
  });
  return stopped;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    events("ERROR", `the server could not start: ${describeError(error).message}`);
    process.exitCode = error instanceof ConfigurationError ? 2 : 1;
  },
);
