/**
 * The hooks' environment, read once when Lambda loads the bundle.
 */
import { readVariable } from "../../src/config.js";

export interface HookSettings {
  /** Time kept back from the Lambda timeout to report `Failed` before the runtime stops us. */
  readonly safetyMarginMs: number;
  /** The alarms the post-traffic hook checks (`ALARM_NAMES`, comma-separated); pre-traffic has none. */
  readonly alarmNames: readonly string[] | undefined;
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
