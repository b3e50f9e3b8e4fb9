/**
 * The Lambda bundle entry (`function/dist/index.mjs`); the image's `CMD` is `index.handler`.
 * Configuration is read and the service's core built once, when Lambda loads the module: a bad
 * variable fails the init loudly.
 */
import { createLambdaHandler } from "./adapters/lambda.js";
import { readConfig } from "./config.js";
import { createRequestLogger } from "./logging/index.js";
import { service } from "./service.js";

const config = readConfig(process.env);

export const handler = createLambdaHandler(service.createCore(process.env), {
  version: config.version,
  logger: createRequestLogger(config),
});
