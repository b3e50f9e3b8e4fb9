import { parseTimestamp, type TimestampResult } from "@agnostic-lambda-core/delivery-records/time";

/**
 * Parses a timestamp from an AWS event. CloudWatch alarm payloads use `+0000` offsets, and the
 * published Lambda alarm-action sample even carries stray spaces after the colons
 * (`2023-08-04T12: 36: 15.490+0000`). Whitespace directly after a colon is removed; everything else
 * must then be a strict ISO-8601 instant with an offset, or the result says why it is not. Nothing
 * is guessed: an unparseable time is rejected, never turned into a wrong number.
 *
 * @example parseAwsTimestamp("2023-08-04T12: 36: 15.490+0000") // 2023-08-04T12:36:15.490Z
 */
export function parseAwsTimestamp(text: unknown): TimestampResult {
  if (typeof text !== "string") return { ok: false, reason: "is not a string" };
  return parseTimestamp(text.trim().replace(/:\s+/g, ":"));
}
