/**
 * Polls a stage's Function URL until it answers with the released version, within a time limit:
 *
 *   tsx tools/ci/smoke-check.ts --url <function-url> --expect-version <tag> [--path /health]
 *                               [--timeout 180] [--interval 5]
 *
 * Exit 0 when a 200 JSON answer carries `"version": <tag>`; exit 1 when the time runs out (the
 * last answer seen is printed: status and version only, never bodies or headers); exit 2 on
 * bad arguments.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ArgumentError, parseOptions, positiveSeconds, required } from "./args";

export interface SmokeCheckOptions {
  readonly url: string;
  readonly expectVersion: string;
  /** @default 180_000 */
  readonly timeoutMs?: number;
  /** @default 5_000 */
  readonly intervalMs?: number;
  /** Longest wait for one answer. @default 10_000 */
  readonly requestTimeoutMs?: number;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

export interface SmokeCheckResult {
  readonly ok: boolean;
  readonly attempts: number;
  readonly elapsedMs: number;
  /** What the last attempt saw, e.g. `HTTP 200, version "abc"` or `network error: ...`. */
  readonly lastObservation: string;
}

/** What one answer says: the observation line and whether it is the expected version. */
export function judgeAnswer(
  status: number,
  bodyText: string,
  expectVersion: string,
): { matches: boolean; observation: string } {
  let version: unknown;
  try {
    const body: unknown = JSON.parse(bodyText);
    version =
      typeof body === "object" && body !== null
        ? (body as { version?: unknown }).version
        : undefined;
  } catch {
    return { matches: false, observation: `HTTP ${status}, not JSON` };
  }
  const shown = typeof version === "string" ? `version "${version.slice(0, 80)}"` : "no version";
  return {
    matches: status === 200 && version === expectVersion,
    observation: `HTTP ${status}, ${shown}`,
  };
}

/** Polls until the expected version answers or the deadline passes. */
export async function smokeCheck(options: SmokeCheckOptions): Promise<SmokeCheckResult> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const intervalMs = options.intervalMs ?? 5_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const deadline = started + timeoutMs;
  let attempts = 0;
  let lastObservation = "no answer yet";
  for (;;) {
    attempts += 1;
    try {
      const response = await fetch(options.url, {
        headers: { accept: "application/json" },
        // Each attempt gets its full request timeout, so the whole check ends at the latest
        // `timeout + requestTimeout` after it started.
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const verdict = judgeAnswer(response.status, await response.text(), options.expectVersion);
      lastObservation = verdict.observation;
      if (verdict.matches) {
        log(`attempt ${attempts}: ${lastObservation}: the released version answers`);
        return { ok: true, attempts, elapsedMs: Date.now() - started, lastObservation };
      }
    } catch (error) {
      lastObservation = `network error: ${(error as Error).name}`;
    }
    log(`attempt ${attempts}: ${lastObservation} (expected version "${options.expectVersion}")`);
    const wait = Math.min(intervalMs, deadline - Date.now());
    if (wait <= 0) {
      return { ok: false, attempts, elapsedMs: Date.now() - started, lastObservation };
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, wait));
  }
}

/** The URL polled: the Function URL with `path` (default `/health`) in place of its path. */
export function healthUrl(functionUrl: string, path = "/health"): string {
  let url: URL;
  try {
    url = new URL(functionUrl);
  } catch {
    throw new ArgumentError(`--url must be an absolute URL, got "${functionUrl}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ArgumentError(`--url must be http(s), got "${url.protocol}"`);
  }
  return new URL(path, url).toString();
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: SmokeCheckOptions;
  try {
    const parsed = parseOptions(argv, ["url", "expect-version", "path", "timeout", "interval"]);
    options = {
      url: healthUrl(required(parsed, "url"), parsed.path),
      expectVersion: required(parsed, "expect-version"),
      timeoutMs: positiveSeconds(parsed, "timeout", 180) * 1000,
      intervalMs: positiveSeconds(parsed, "interval", 5) * 1000,
    };
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    console.error(`smoke-check: ${error.message}`);
    return 2;
  }
  const result = await smokeCheck(options);
  if (!result.ok) {
    console.error(
      `smoke-check: ${options.url} did not answer with version "${options.expectVersion}" within ${Math.round((options.timeoutMs ?? 0) / 1000)} s (${result.attempts} attempts; last: ${result.lastObservation})`,
    );
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
