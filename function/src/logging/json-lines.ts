import type { CoreLogLine, RequestLogger, RequestLogRecord } from "../http/request-log.js";
import type { LogLevel } from "./log-level.js";

/** Where finished log lines go (one JSON document per call, newline included). */
export type LogSink = (line: string) => void;

export interface JsonLinesRequestLoggerOptions {
  readonly serviceName: string;
  readonly logLevel: LogLevel;
  /** @default a synchronous write to standard output, as the Lambda runtime captures it */
  readonly sink?: LogSink;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
};

/**
 * A request log with Powertools' line shape (`level`, `message`, `timestamp`, `service`, then
 * the record) built by hand: one string concatenation and one write per request.
 */
export function createJsonLinesRequestLogger(
  options: JsonLinesRequestLoggerOptions,
): RequestLogger {
  const sink = options.sink ?? ((line: string) => process.stdout.write(line));
  const threshold = LEVEL_RANK[options.logLevel];
  const service = JSON.stringify(options.serviceName);
  return {
    request(record: RequestLogRecord) {
      if (threshold > LEVEL_RANK.INFO) return;
      sink(
        `{"level":"INFO","message":"request","timestamp":"${new Date().toISOString()}","service":${service},"requestId":${JSON.stringify(record.requestId)},"method":${JSON.stringify(record.method)},"path":${JSON.stringify(record.path)},"status":${record.status},"durationMs":${record.durationMs},"version":${JSON.stringify(record.version)}}\n`,
      );
    },
    unexpectedError(error, requestId) {
      if (threshold > LEVEL_RANK.ERROR) return;
      const details =
        error instanceof Error
          ? { name: error.name, message: error.message, stack: error.stack }
          : { name: "NonError", message: String(error) };
      sink(
        `${JSON.stringify({ level: "ERROR", message: "unexpected error", timestamp: new Date().toISOString(), service: options.serviceName, requestId, error: details })}\n`,
      );
    },
    core(line: CoreLogLine) {
      if (threshold > LEVEL_RANK[line.level]) return;
      const document: Record<string, unknown> = {
        level: line.level,
        message: line.message,
        timestamp: new Date().toISOString(),
        service: options.serviceName,
        requestId: line.requestId,
      };
      // The line's own keys come first and win: a field cannot forge the level or request id.
      for (const key of Object.keys(line.fields)) {
        if (!Object.hasOwn(document, key)) document[key] = line.fields[key];
      }
      sink(`${JSON.stringify(document)}\n`);
    },
  };
}
