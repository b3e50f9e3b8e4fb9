/**
 * The hooks' environment, read once when Lambda loads the bundle.
 */
import { readVariable } from "../../src/config.js";

export interface HookSettings {
  /** Time kept back from the Lambda timeout to report `Failed` before the runtime stops us. */
  readonly safetyMarginMs: number;
  /** The alarms the post-traffic hook checks (`ALARM_NAMES`, comma-separated); pre-traffic has none. */
  readonly alarmNames: readonly string[] | undefined;
  /** The stage's Function URL the post-traffic hook sends the smoke checks to (`FUNCTION_URL`); pre-traffic has none. */
  readonly functionUrl: string | undefined;
  /**
   * The URL's auth type (`FUNCTION_URL_AUTH_TYPE`, default `NONE`). An `AWS_IAM` URL answers an
   * unsigned request 403, and the hook does not sign requests: it skips the URL smoke, saying so.
   */
  readonly functionUrlAuthType: "NONE" | "AWS_IAM";
}

export const DEFAULT_SAFETY_MARGIN_MS = 3000;

/** Throws a `ConfigurationError` naming the variable when a value is malformed. */
export function readHookSettings(env: Readonly<Record<string, string | undefined>>): HookSettings {
  return Object.freeze({
    safetyMarginMs: readVariable(
      env,
      "HOOK_SAFETY_MARGIN_MS",
      DEFAULT_SAFETY_MARGIN_MS,
      parseMargin,
    ),
    alarmNames: readVariable<readonly string[] | undefined>(
      env,
      "ALARM_NAMES",
      undefined,
      parseAlarmNames,
    ),
    functionUrl: readVariable<string | undefined>(env, "FUNCTION_URL", undefined, parseFunctionUrl),
    functionUrlAuthType: readVariable<"NONE" | "AWS_IAM">(
      env,
      "FUNCTION_URL_AUTH_TYPE",
      "NONE",
      parseAuthType,
    ),
  });
}

function parseMargin(raw: string): number {
  const value = Number(raw);
  if (!/^\d{1,6}$/.test(raw) || value < 100) {
    throw new Error("must be a whole number of milliseconds from 100 to 999999");
  }
  return value;
}

/** CloudWatch alarm names are 1-255 characters; the list is comma-separated without blanks. */
export function parseAlarmNames(raw: string): readonly string[] {
  const names = raw.split(",").map((name) => name.trim());
  if (names.some((name) => name.length === 0 || name.length > 255)) {
    throw new Error("must be a comma-separated list of alarm names (1 to 255 characters each)");
  }
  return Object.freeze([...new Set(names)]);
}

/** An absolute http(s) URL without credentials (a Function URL is `https://<id>.lambda-url.<region>.on.aws/`). */
export function parseFunctionUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error("must be an absolute http(s) URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error("must be an absolute http(s) URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw new Error("must not carry credentials");
  }
  return url.toString();
}

function parseAuthType(raw: string): "NONE" | "AWS_IAM" {
  if (raw !== "NONE" && raw !== "AWS_IAM") throw new Error('must be "NONE" or "AWS_IAM"');
  return raw;
}
