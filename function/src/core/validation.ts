import type { Payload } from "./contract.js";
import { ValidationError } from "./errors.js";

export interface StringRule {
  readonly minLength: number;
  readonly maxLength: number;
  /** Used when the field is absent (`undefined`); `null` is not absent and is rejected. */
  readonly fallback: string;
}

/**
 * Reads an optional string field, counting length in Unicode code points (an emoji counts once).
 * Throws a `ValidationError` naming the field and the rule it broke.
 *
 * @example optionalString({ user: "Ada" }, "user", { minLength: 1, maxLength: 64, fallback: "Pilot" })
 */
export function optionalString(payload: Payload, field: string, rule: StringRule): string {
  const value = payload[field];
  if (value === undefined) return rule.fallback;
  const expectation = `"${field}" must be a string of ${rule.minLength} to ${rule.maxLength} characters`;
  if (typeof value !== "string") {
    throw new ValidationError(field, `${expectation}, got ${describeType(value)}`);
  }
  const length = countCodePoints(value, rule.maxLength);
  if (length < rule.minLength) {
    throw new ValidationError(field, `${expectation}, got ${length}`);
  }
  if (length > rule.maxLength) {
    throw new ValidationError(field, `${expectation}, got more than ${rule.maxLength}`);
  }
  return value;
}

/** A short, client-safe name for the JSON type of a value ("null", "array", "number", ...). */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Counts code points, stopping once the count passes `stopAfter` (no need to walk a huge string). */
function countCodePoints(text: string, stopAfter: number): number {
  let count = 0;
  for (const _codePoint of text) {
    count += 1;
    if (count > stopAfter) break;
  }
  return count;
}
