import { Logger } from "@aws-lambda-powertools/logger";
import type { RequestLogger } from "../http/request-log.js";

import type { LogLevel } from "./log-level.js";

export interface PowertoolsRequestLoggerOptions {
  readonly serviceName: string;
  readonly logLevel: LogLevel;
}

/** The request log written through Powertools for AWS Lambda's `Logger` (JSON to stdout). */
export function createPowertoolsRequestLogger(
  options: PowertoolsRequestLoggerOptions,
): RequestLogger {
  const logger = new Logger({ serviceName: options.serviceName, logLevel: options.logLevel });
  return {
    request(record) {
      logger.info("request", { ...record });
    },
    unexpectedError(error, requestId) {
      logger.error("unexpected error", { requestId, error });
    },
    core({ level, message, requestId, fields }) {
      // Powertools merges extra keys into the line; its own keys (level, message, ...) win.
      const extra = { ...fields, requestId };
      if (level === "DEBUG") logger.debug(message, extra);
      else if (level === "INFO") logger.info(message, extra);
      else if (level === "WARN") logger.warn(message, extra);
      else logger.error(message, extra);
    },
  };
}
