/**
 * The Lambda bundle entry (`function/dist/index.mjs`); the image's `CMD` is `index.handler`.
 * Configuration is read once, when Lambda loads the module: a bad variable fails the init loudly.
 */
import { createLambdaHandler } from "./adapters/lambda.js";
import { readConfig } from "./config.js";
import { greetingCore } from "./core/greeting.js";
import { createRequestLogger } from "./logging/index.js";

const config = readConfig(process.env);

export const handler = createLambdaHandler(greetingCore, {
  version: config.version,
  logger: createRequestLogger(config),
});
