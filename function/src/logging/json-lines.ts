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
 * The longest value, in UTF-16 code units, that a log line keeps of each field a client can
 * influence. A longer value is cut and ends with {@link TRUNCATION_MARKER} and the number of
 * units dropped, so a 3 MB path costs one bounded line, not a 3 MB one.
 */
export const FIELD_LIMITS = Object.freeze({
  requestId: 128,
  method: 32,
  path: 1024,
  version: 128,
  reason: 256,
  errorName: 256,
  errorMessage: 2048,
  errorStack: 8192,
});

/** Ends every cut value: `/aaaa…[truncated 2998976 chars]`. */
export const TRUNCATION_MARKER = "…[truncated ";

/**
 * A request log with Powertools' line shape (`level`, `message`, `timestamp`, `service`, then
 * the record) built by hand: one string concatenation and one write per request.
 *
 * Writing never throws, whatever the record or the error holds (a thrown `Object.create(null)`,
 * a message whose `toJSON` throws, a failing sink): a line that cannot be built is replaced by
 * one that says so, and a sink that fails loses the line, not the request. Every line is one JSON
 * document: U+2028 and U+2029 are escaped, and fields are cut to {@link FIELD_LIMITS}.
 */
export function createJsonLinesRequestLogger(
  options: JsonLinesRequestLoggerOptions,
): RequestLogger {
  const sink = options.sink ?? writeToStandardOutput;
  const threshold = LEVEL_RANK[options.logLevel];
  const service = JSON.stringify(options.serviceName);
  return {
    request(record: RequestLogRecord) {
      if (threshold > LEVEL_RANK.INFO) return;
      let line: string;
      try {
        const reason =
          record.reason === undefined
            ? ""
            : `,"reason":${jsonString(record.reason, FIELD_LIMITS.reason)}`;
        line = `{"level":"INFO","message":"request","timestamp":"${isoTimestamp()}","service":${service},"requestId":${jsonString(record.requestId, FIELD_LIMITS.requestId)},"method":${jsonString(record.method, FIELD_LIMITS.method)},"path":${jsonString(record.path, FIELD_LIMITS.path)},"status":${jsonNumber(record.status)},"durationMs":${jsonNumber(record.durationMs)},"version":${jsonString(record.version, FIELD_LIMITS.version)}${reason}}\n`;
      } catch {
        line = `{"level":"ERROR","message":"a request log line could not be written","timestamp":"${isoTimestamp()}","service":${service}}\n`;
      }
      // Every string in the line went through jsonString, which escaped U+2028 and U+2029.
      writeSafely(sink, line);
    },
    unexpectedError(error, requestId) {
      if (threshold > LEVEL_RANK.ERROR) return;
      const details = describeError(error);
      const stack =
        details.stack === undefined
          ? ""
          : `,"stack":${jsonString(details.stack, FIELD_LIMITS.errorStack)}`;
      writeSafely(
        sink,
        escapeLineSeparators(
          `{"level":"ERROR","message":"unexpected error","timestamp":"${isoTimestamp()}","service":${service},"requestId":${jsonString(safeString(requestId), FIELD_LIMITS.requestId)},"error":{"name":${jsonString(details.name, FIELD_LIMITS.errorName)},"message":${jsonString(details.message, FIELD_LIMITS.errorMessage)}${stack}}}\n`,
        ),
      );
    },
    core(line: CoreLogLine) {
      if (threshold > LEVEL_RANK[line.level]) return;
      let text: string;
      try {
        const document: Record<string, unknown> = {
          level: line.level,
          message: cut(safeString(line.message), FIELD_LIMITS.errorMessage),
          timestamp: isoTimestamp(),
          service: options.serviceName,
          requestId: cut(safeString(line.requestId), FIELD_LIMITS.requestId),
        };
        // The line's own keys come first and win: a field cannot forge the level or request id.
        for (const key of Object.keys(line.fields)) {
          if (!Object.hasOwn(document, key)) document[key] = line.fields[key];
        }
        text = `${JSON.stringify(document)}\n`;
      } catch {
        text = `{"level":"ERROR","message":"a core log line could not be written","timestamp":"${isoTimestamp()}","service":${service}}\n`;
      }
      writeSafely(sink, escapeLineSeparators(text));
    },
  };
}

/** One operational event (the server listening, draining, closed): a message and flat fields. */
export type EventLog = (
  level: "INFO" | "WARN" | "ERROR",
  message: string,
  fields?: Readonly<Record<string, string | number>>,
) => void;

/**
 * The server's own events as JSON lines in the same shape as the request log. Never throws; every
 * string field is cut to {@link FIELD_LIMITS}.path.
 */
export function createJsonLinesEventLog(options: {
  readonly serviceName: string;
  readonly sink?: LogSink;
}): EventLog {
  const sink = options.sink ?? writeToStandardOutput;
  const service = JSON.stringify(options.serviceName);
  return (level, message, fields = {}) => {
    let line = `{"level":"${level}","message":${jsonString(message, FIELD_LIMITS.path)},"timestamp":"${isoTimestamp()}","service":${service}`;
    try {
      for (const name of Object.keys(fields)) {
        const value = fields[name];
        line += `,${jsonString(name, FIELD_LIMITS.method)}:${typeof value === "number" ? jsonNumber(value) : jsonString(safeString(value), FIELD_LIMITS.path)}`;
      }
    } catch {
      line += ',"fieldsError":"the fields could not be read"';
    }
    writeSafely(sink, escapeLineSeparators(`${line}}\n`));
  };
}

/** A JSON string literal of `value` cut to `limit` units (see {@link cut}). */
export function jsonString(value: string, limit: number): string {
  // Fast path (most request ids, methods, paths): nothing to cut and nothing JSON.stringify would
  // escape, so its output is the value in quotes. Measured: ~5x cheaper than JSON.stringify.
  if (typeof value === "string" && value.length <= limit && !NEEDS_ESCAPING.test(value)) {
    return `"${value}"`;
  }
  const literal = JSON.stringify(cut(typeof value === "string" ? value : safeString(value), limit));
  return escapeLineSeparators(literal);
}

/**
 * What JSON.stringify would not copy as is: quote, backslash, control characters, surrogates
 * (lone ones are escaped), and U+2028/U+2029 (escaped here, see {@link escapeLineSeparators}).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPING = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

let timestampSecond = Number.NaN;
let timestampPrefix = "";

/**
 * `new Date().toISOString()`, built from a cached `YYYY-MM-DDTHH:MM:SS.` prefix that changes
 * once a second: toISOString costs more than the rest of a request line.
 */
export function isoTimestamp(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== timestampSecond) {
    const iso = new Date(now).toISOString();
    timestampSecond = second;
    timestampPrefix = iso.slice(0, -4);
    return iso;
  }
  const milliseconds = now - second * 1000;
  const padding = milliseconds < 10 ? "00" : milliseconds < 100 ? "0" : "";
  return `${timestampPrefix}${padding}${milliseconds}Z`;
}

/** `text` cut to `limit` UTF-16 units plus the marker; the cut never splits a surrogate pair. */
function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = limit;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${TRUNCATION_MARKER}${text.length - end} chars]`;
}

/**
 * Escapes U+2028 and U+2029, which `JSON.stringify` leaves raw and JavaScript-based log tooling
 * treats as line breaks. They can only occur inside string literals, so a whole line is safe to
 * rewrite.
 */
function escapeLineSeparators(line: string): string {
  return LINE_SEPARATORS.test(line) ? line.replace(LINE_SEPARATORS_ALL, escapeSeparator) : line;
}

const LINE_SEPARATORS = /[\u2028\u2029]/;
const LINE_SEPARATORS_ALL = /[\u2028\u2029]/g;

function escapeSeparator(separator: string): string {
  return separator === "\u2028" ? "\\u2028" : "\\u2029";
}

function jsonNumber(value: number): string {
  return typeof value === "number" && Number.isFinite(value) ? String(value) : "null";
}

/** `String(value)`, or a description when even that throws (`Object.create(null)`, a Proxy, ...). */
export function safeString(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return "[a value that cannot be printed]";
    }
  }
}

interface ErrorDetails {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
}

/** Name, message and stack of whatever was thrown, read without ever throwing. */
export function describeError(error: unknown): ErrorDetails {
  try {
    if (error instanceof Error) {
      const stack: unknown = error.stack;
      return {
        name: safeString(error.name),
        message: safeString(error.message),
        stack: stack === undefined ? undefined : safeString(stack),
      };
    }
    return { name: "NonError", message: safeString(error), stack: undefined };
  } catch {
    return {
      name: "UnreadableError",
      message: "the thrown value could not be read (a getter or proxy trap threw)",
      stack: undefined,
    };
  }
}

/**
 * A sink for a long-running server: lines are gathered and written once per turn of the event
 * loop (or once 64 KiB are waiting) instead of one write(2) each, the way pino's asynchronous
 * destination works. `flush()` writes what is waiting at once; call it before the process exits
 * (`process.on("exit")`). Not for Lambda, where a line left waiting when the handler returns
 * may never be written.
 */
export function createBatchingSink(write: (text: string) => void): LogSink & { flush(): void } {
  let pending = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending;
    pending = "";
    writeSafely(write, text);
  };
  const sink = (line: string) => {
    pending += line;
    if (pending.length >= 65_536) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return Object.assign(sink, { flush });
}

function writeToStandardOutput(line: string): void {
  process.stdout.write(line);
}

function writeSafely(sink: LogSink, line: string): void {
  try {
    sink(line);
  } catch {
    // The log is best effort: a failing sink (a closed pipe) must not fail the request.
  }
}
