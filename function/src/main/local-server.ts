/**
 * `npm start` (and the `server` container's entry, bundled as function/dist/server.mjs): serves
 * the Lambda handler over HTTP on HOST:PORT (default 127.0.0.1:3000), one log line per request.
 */
import { createLambdaHandler } from "../adapters/lambda.js";
import { createLocalServer, listen } from "../adapters/local-server.js";
import { ConfigurationError, readConfig } from "../config.js";
import { greetingCore } from "../core/greeting.js";
import { createRequestLogger } from "../logging/index.js";

async function main(): Promise<number> {
  const config = readConfig(process.env);
  const handler = createLambdaHandler(greetingCore, {
    version: config.version,
    logger: createRequestLogger(config),
    // Nothing stops a local request at its deadline, so no time is kept back to answer: an
    // async core gets all of REQUEST_TIMEOUT_MS.
    deadlineMarginMs: 0,
  });
  const started = await listen(
    createLocalServer({
      handler,
      version: config.version,
      requestTimeoutMs: config.requestTimeoutMs,
    }),
    config.host,
    config.port,
  );
  process.stderr.write(`listening on ${started.url} (version ${config.version}); Ctrl+C stops\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  process.stderr.write(`${signal}: closing\n`);
  await started.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`local server: ${reason}\n`);
    process.exitCode = error instanceof ConfigurationError ? 2 : 1;
  },
);
