/**
 * `npm run invoke -- <event.json>`: invokes the Lambda handler once with an event file, like
 * `sam local invoke`. The result goes to stdout as JSON, the request log line to stderr.
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
import { greetingCore } from "../core/greeting.js";
import { createRequestLogger } from "../logging/index.js";

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
  const path = args[0];
  if (path === undefined || args.length > 1 || path === "--help") {
    process.stderr.write("usage: npm run invoke -- <event.json>\n");
    return 2;
  }
  const config = readConfig(process.env);
  const event = await readEventFile(path);
  const handler = createLambdaHandler(greetingCore, {
    version: config.version,
    logger: createRequestLogger(config, (line) => process.stderr.write(line)),
  });
  const result = await handler(event, makeLocalContext(randomUUID()));
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
