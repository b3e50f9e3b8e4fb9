import { createLambdaHandler, type LambdaHandler } from "../../src/adapters/lambda.js";
import { createLocalServer, listen, type StartedServer } from "../../src/adapters/local-server.js";
import { greetingCore } from "../../src/core/greeting.js";
import { recordingLogger, TRANSPORT_HEADERS } from "./events.js";

export const TEST_VERSION = "parity-1";

export function makeHandler(): LambdaHandler {
  return createLambdaHandler(greetingCore, { version: TEST_VERSION, logger: recordingLogger() });
}

/** The local server on 127.0.0.1 and a free port, around its own handler. */
export function startLocalServer(handler: LambdaHandler = makeHandler()): Promise<StartedServer> {
  return listen(
    createLocalServer({ handler, version: TEST_VERSION, logger: recordingLogger() }),
    "127.0.0.1",
    0,
  );
}

/** Response headers as a plain object, without the ones Node's HTTP stack adds itself. */
export function applicationHeaders(
  headers: Headers | Record<string, string>,
): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(
    entries
      .map(([name, value]): [string, string] => [name.toLowerCase(), value])
      .filter(([name]) => !TRANSPORT_HEADERS.has(name))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
