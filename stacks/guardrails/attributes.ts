/**
 * Reading values out of a synthesized (resolved) Terraform configuration, which is plain JSON:
 * nested blocks are objects or one-element lists, and a value that is still an expression
 * (`${var.x}`, `${aws_x.y.arn}`) is a string the rules cannot compare at synth time.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A nested block as synthesized: an object, or a list holding one. */
export function firstBlock(value: unknown): Record<string, unknown> | undefined {
  const block = Array.isArray(value) ? value[0] : value;
  return isRecord(block) ? block : undefined;
}

/** Every block of a repeatable nested block (`inline_policy`, `default_tags`). */
export function blocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}

/** A Terraform expression such as `${var.retention}`: set, but unknown until plan. */
export function isExpression(value: unknown): value is string {
  return typeof value === "string" && value.includes("${");
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim().length > 0;
}

/** The string entries of a list attribute; an absent attribute is an empty list. */
export function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return typeof value === "string" ? [value] : [];
  return value.filter((item): item is string => typeof item === "string");
}

/** A string-valued map such as `tags`; an absent map is empty. */
export function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const entries = Object.entries(value).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string",
  );
  return Object.fromEntries(entries);
}
