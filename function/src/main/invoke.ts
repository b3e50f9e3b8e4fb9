/**
 * `npm run invoke`: invokes the Lambda handler (around the service's core, service.ts) once,
 * like `sam local invoke`, with an event file or with an event built from flags:
 *
 *   npm run invoke -- function/test/fixtures/function-url-post-root.json
 *   npm run invoke -- --method POST --path / --body '{"user":"Ada"}' --header x-trace:1
 *
 * The result goes to stdout as JSON, log lines to stderr.
 * Exit codes: 0 the handler answered, 1 the event file is unusable, 2 bad usage or configuration.
 */

import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  createLambdaHandler,
  type FunctionUrlEvent,
  functionUrlEventToRequest,
} from "../adapters/lambda.js";
import { makeLocalContext } from "../adapters/local-server.js";
import { ConfigurationError, readConfig } from "../config.js";
import { createRequestLogger } from "../logging/index.js";
import { service } from "../service.js";
import {
  INVOKE_USAGE,
  invokeRequestToEvent,
  parseInvokeArguments,
  UsageError,
} from "./invoke-arguments.js";

class EventFileError extends Error {}

/** Reads and checks an event file; every failure names the file and what is wrong with it. */
async function readEventFile(path: string): Promise<FunctionUrlEvent> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new EventFileError(`cannot read event file ${path}: ${(error as Error).message}`);
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new EventFileError(`event file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    // The adapter's own conversion is the shape check: the file is usable exactly when it converts.
    functionUrlEventToRequest(event as FunctionUrlEvent, "invoke");
  } catch (error) {
    throw new EventFileError(`event file ${path} is not usable: ${(error as Error).message}`);
  }
  return event as FunctionUrlEvent;
}

async function main(args: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseInvokeArguments>;
  try {
    parsed = parseInvokeArguments(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`invoke: ${error.message}\n${INVOKE_USAGE}`);
    return 2;
  }
  if (parsed.kind === "help") {
    process.stdout.write(INVOKE_USAGE);
    return 0;
  }
  const config = readConfig(process.env);
  const requestId = randomUUID();
  const event =
    parsed.kind === "file"
      ? await readEventFile(parsed.path)
      : invokeRequestToEvent(parsed.request, requestId, new Date());
  const handler = createLambdaHandler(service.createCore(process.env), {
    version: config.version,
    logger: createRequestLogger(config, (line) => process.stderr.write(line)),
  });
  const result = await handler(event, makeLocalContext(requestId, config.requestTimeoutMs));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`invoke: ${reason}\n`);
    process.exitCode = error instanceof ConfigurationError ? 2 : 1;
  },
);
