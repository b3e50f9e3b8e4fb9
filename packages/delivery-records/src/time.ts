/**
 * Strict ISO-8601 timestamps. A DORA number is only as good as its timestamps, so anything that
 * is not an unambiguous instant (no offset, out-of-range fields, trailing text) is rejected with a
 * reason instead of being guessed at by `Date.parse`, which accepts far more than ISO-8601.
 */

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

export const MILLISECONDS_PER_HOUR = 3_600_000;
export const MILLISECONDS_PER_DAY = 86_400_000;

export type TimestampResult =
  | { readonly ok: true; readonly epochMs: number }
  | { readonly ok: false; readonly reason: string };

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z`, `±HH:MM` or `±HHMM` into epoch
 * milliseconds (fractions beyond milliseconds are truncated).
 *
 * @example parseTimestamp("2026-03-14T11:13:07.204+02:00") // { ok: true, epochMs: 1773479587204 }
 */
export function parseTimestamp(text: string): TimestampResult {
  const match = ISO_8601.exec(text);
  if (!match) {
    return {
      ok: false,
      reason: `"${clip(text)}" is not an ISO-8601 timestamp with an offset (e.g. 2026-03-14T09:13:07Z or 2026-03-14T11:13:07+02:00)`,
    };
  }
  const [, y, mo, d, h, mi, s = "0", fraction = "", zone = "Z"] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12) return outOfRange(text, "month");
  if (day < 1 || day > daysInMonth(year, month)) return outOfRange(text, "day");
  if (hour > 23) return outOfRange(text, "hour");
  if (minute > 59) return outOfRange(text, "minute");
  // Leap seconds (:60) are not representable in epoch milliseconds; reject rather than shift.
  if (second > 59) return outOfRange(text, "second");
  let offsetMinutes = 0;
  if (zone !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const offsetHours = Number(digits.slice(0, 2));
    const offsetRest = Number(digits.slice(2));
    if (offsetHours > 23 || offsetRest > 59) return outOfRange(text, "offset");
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const milliseconds = Number(fraction.padEnd(3, "0").slice(0, 3));
  const epochMs =
    Date.UTC(year, month - 1, day, hour, minute, second, milliseconds) - offsetMinutes * 60_000;
  return { ok: true, epochMs };
}

/** `parseTimestamp` for trusted call sites (CLI options, tests): throws with the reason. */
export function timestampOrThrow(text: string, what: string): number {
  const result = parseTimestamp(text);
  if (!result.ok) throw new Error(`${what}: ${result.reason}`);
  return result.epochMs;
}

/** Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export function formatTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function outOfRange(text: string, field: string): TimestampResult {
  return { ok: false, reason: `"${clip(text)}" has an out-of-range ${field}` };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
