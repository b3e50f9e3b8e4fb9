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
  };
}
