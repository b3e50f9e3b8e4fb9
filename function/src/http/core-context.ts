import type { CoreContext, CoreLogger, JsonValue, LogFields } from "../core/contract.js";
import type { CoreLogLevel, RequestLogger } from "./request-log.js";

/** Field names whose values never reach the log, at any depth (compared in lower case). */
const REDACTED_FIELDS: ReadonlySet<string> = new Set([
  "authorization",
  "body",
  "cookie",
  "cookies",
  "headers",
  "set-cookie",
]);

/**
 * The context one core call receives. Its parts cost nothing until the core uses them: the
 * logger and the `AbortController` are created on first access, so a synchronous core that
 * uses neither pays for one small object.
 */
export class RequestCoreContext implements CoreContext {
  private controller: AbortController | undefined;
  private coreLogger: CoreLogger | undefined;
  private expiredBecause: unknown;
  private expired = false;

  constructor(
    readonly requestId: string,
    private readonly sink: RequestLogger,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.expired) this.controller.abort(this.expiredBecause);
    }
    return this.controller.signal;
  }

  get logger(): CoreLogger {
    this.coreLogger ??= createCoreLogger(this.sink, this.requestId);
    return this.coreLogger;
  }

  /** The deadline passed: fire the signal (now, or as soon as the core asks for it). */
  expire(reason: unknown): void {
    this.expired = true;
    this.expiredBecause = reason;
    this.controller?.abort(reason);
  }
}

function createCoreLogger(sink: RequestLogger, requestId: string): CoreLogger {
  const write = (level: CoreLogLevel, message: unknown, fields: LogFields | undefined) => {
    try {
      sink.core({ level, message: String(message), requestId, fields: safeLogFields(fields) });
    } catch {
      // Logging must never break the request it describes (e.g. a message whose toString throws).
    }
  };
  return {
    debug: (message, fields) => write("DEBUG", message, fields),
    info: (message, fields) => write("INFO", message, fields),
    warn: (message, fields) => write("WARN", message, fields),
    error: (message, fields) => write("ERROR", message, fields),
  };
}

/**
 * Turns what a core passes as log fields into plain JSON: Errors become name, message and stack,
 * bigints become strings, redacted names become `"[redacted]"`. Never throws: fields that
 * cannot be serialised (a cycle, a throwing getter) are replaced by a note saying so.
 *
 * @example safeLogFields({ user: "u-1", headers: { authorization: "x" } }) // { user: "u-1", headers: "[redacted]" }
 */
export function safeLogFields(fields: LogFields | undefined): Readonly<Record<string, JsonValue>> {
  if (fields === undefined || fields === null || typeof fields !== "object") return {};
  try {
    const text = JSON.stringify(fields, logReplacer);
    const parsed: unknown = text === undefined ? {} : JSON.parse(text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, JsonValue>)
      : {};
  } catch (error) {
    const reason = error instanceof Error ? error.message : "unknown reason";
    return { logFieldsError: `the log fields could not be serialised: ${reason}` };
  }
}

function logReplacer(key: string, value: unknown): unknown {
  if (key !== "" && REDACTED_FIELDS.has(key.toLowerCase())) return "[redacted]";
  if (value instanceof Error)
    return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === "bigint") return value.toString();
  return value;
}
