import type { LogLevel } from "./logging/log-level.js";
import { LOG_LEVELS } from "./logging/log-level.js";

/** Everything the function reads from its environment, read once at start-up. */
export interface FunctionConfig {
  /** The deployed image tag or commit; reported in every body and log line. */
  readonly version: string;
  /** The local server's port (0 picks a free one). */
  readonly port: number;
  /** The local server's bind address: loopback unless told otherwise. */
  readonly host: string;
  readonly logLevel: LogLevel;
  /** The `service` field of every log line. */
  readonly serviceName: string;
  /** The local server's per-request deadline (`REQUEST_TIMEOUT_MS`); Lambda uses its own timeout. */
  readonly requestTimeoutMs: number;
}

/** A malformed environment variable; the message names it, the rule and the value. */
export class ConfigurationError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`environment variable ${variable} ${problem}`);
    this.name = "ConfigurationError";
  }
}

/**
 * Reads one variable: absent or empty gives `fallback`; otherwise `parse` turns it into a value
 * or throws a message stating the rule, which is re-thrown naming the variable.
 *
 * @example readVariable(env, "PORT", 3000, parsePort) // throws "environment variable PORT must be ..."
 */
export function readVariable<T>(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: T,
  parse: (raw: string) => T,
): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  try {
    return parse(raw);
  } catch (error) {
    const rule = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(name, `${rule}, got ${JSON.stringify(raw)}`);
  }
}

/** Reads the whole configuration; call it once, at start-up. */
export function readConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): FunctionConfig {
  return Object.freeze({
    version: readVariable(env, "VERSION", "dev-manual", parseToken),
    port: readVariable(env, "PORT", 3000, parsePort),
    host: readVariable(env, "HOST", "127.0.0.1", parseToken),
    logLevel: readVariable<LogLevel>(env, "LOG_LEVEL", "INFO", parseLogLevel),
    serviceName: readVariable(env, "POWERTOOLS_SERVICE_NAME", "agnostic-lambda-core", parseToken),
    requestTimeoutMs: readVariable(env, "REQUEST_TIMEOUT_MS", 10_000, parseTimeout),
  });
}

function parseToken(raw: string): string {
  if (!/^[\x21-\x7e]{1,128}$/.test(raw)) {
    throw new Error("must be 1 to 128 printable ASCII characters without spaces");
  }
  return raw;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port > 65_535)
    throw new Error("must be an integer from 0 to 65535");
  return port;
}

function parseTimeout(raw: string): number {
  const milliseconds = Number(raw);
  if (!/^\d{1,6}$/.test(raw) || milliseconds < 1 || milliseconds > 900_000) {
    throw new Error(
      "must be a whole number of milliseconds from 1 to 900000 (Lambda's 15 minutes)",
    );
  }
  return milliseconds;
}

function parseLogLevel(raw: string): LogLevel {
  const level = raw.toUpperCase();
  const known = LOG_LEVELS.find((candidate) => candidate === level);
  if (known === undefined) throw new Error(`must be one of ${LOG_LEVELS.join(", ")}`);
  return known;
}

/**
 * The local/container server's own settings (the Lambda entry never reads them), in
 * milliseconds like REQUEST_TIMEOUT_MS. docs/ says how each relates to the platform around it.
 */
export interface ServerConfig {
  /**
   * How long requests in flight get after SIGTERM/SIGINT before the remaining connections are
   * closed (`SHUTDOWN_DEADLINE_MS`). Keep it below the platform's grace period (Kubernetes
   * terminationGracePeriodSeconds, 30 s by default; ECS stopTimeout, 30 s; Cloud Run, 10 s) so the
   * server exits 0 before SIGKILL.
   */
  readonly shutdownDeadlineMs: number;
  /** `HEADERS_TIMEOUT_MS`: see `ServerTimeouts.headersTimeoutMs`. */
  readonly headersTimeoutMs: number;
  /** `RECEIVE_TIMEOUT_MS`: see `ServerTimeouts.receiveTimeoutMs`. */
  readonly receiveTimeoutMs: number;
  /** `KEEP_ALIVE_TIMEOUT_MS`: see `ServerTimeouts.keepAliveTimeoutMs`. */
  readonly keepAliveTimeoutMs: number;
}

/** Reads the server's settings; call it once, at start-up. */
export function readServerConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServerConfig {
  const headersTimeoutMs = readVariable(env, "HEADERS_TIMEOUT_MS", 10_000, parseTimeout);
  const receiveTimeoutMs = readVariable(env, "RECEIVE_TIMEOUT_MS", 30_000, parseTimeout);
  if (headersTimeoutMs > receiveTimeoutMs) {
    throw new ConfigurationError(
      "HEADERS_TIMEOUT_MS",
      `must not exceed RECEIVE_TIMEOUT_MS (${receiveTimeoutMs}): the headers are part of the request, got ${headersTimeoutMs}`,
    );
  }
  return Object.freeze({
    shutdownDeadlineMs: readVariable(env, "SHUTDOWN_DEADLINE_MS", 10_000, parseTimeout),
    headersTimeoutMs,
    receiveTimeoutMs,
    keepAliveTimeoutMs: readVariable(env, "KEEP_ALIVE_TIMEOUT_MS", 65_000, parseTimeout),
  });
}
