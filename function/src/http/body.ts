import type { Payload } from "../core/contract.js";
import { ValidationError } from "../core/errors.js";
import { describeType } from "../core/validation.js";
import { BadRequestError, InvalidJsonError, PayloadTooLargeError } from "./errors.js";

/** The largest decoded body the pipeline accepts: 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

const EMPTY_PAYLOAD: Payload = Object.freeze({});
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Turns a raw body into text: checks the 64 KiB limit (before decoding anything large),
 * decodes base64 strictly and UTF-8 strictly. `undefined` means there is no body.
 */
export function decodeBody(
  body: Buffer | string | undefined,
  isBase64Encoded: boolean,
): string | undefined {
  if (body === undefined || body.length === 0) return undefined;
  if (isBase64Encoded) {
    const encoded = typeof body === "string" ? body : body.toString("latin1");
    return decodeUtf8(decodeBase64(encoded));
  }
  if (typeof body === "string") {
    // A string of n UTF-16 units is n to 3n UTF-8 bytes: only measure when it could go either way.
    if (body.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
    if (body.length * 3 > MAX_BODY_BYTES && Buffer.byteLength(body, "utf8") > MAX_BODY_BYTES) {
      throw new PayloadTooLargeError(MAX_BODY_BYTES);
    }
    return body;
  }
  if (body.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  return decodeUtf8(body);
}

/**
 * Parses body text into the payload a core receives: no body is `{}`; anything else must be a
 * JSON object without `__proto__` keys (which would poison any later object merge).
 */
export function parsePayload(text: string | undefined): Payload {
  if (text === undefined) return EMPTY_PAYLOAD;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonError(error instanceof Error ? error.message : "the body is not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError("body", `the body must be a JSON object, got ${describeType(value)}`);
  }
  // Only walk the tree when the text could spell the key, directly or through a \u escape.
  if (text.includes("__proto__") || text.includes("\\u")) assertNoPrototypeKey(value);
  return value as Payload;
}

function decodeBase64(encoded: string): Buffer {
  const padding = encoded.endsWith("==") ? 2 : encoded.endsWith("=") ? 1 : 0;
  const decodedLength = Math.floor((encoded.length * 3) / 4) - padding;
  if (decodedLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  if (encoded.length % 4 !== 0 || !BASE64_PATTERN.test(encoded)) {
    throw new BadRequestError("the body is flagged isBase64Encoded but is not valid base64");
  }
  return Buffer.from(encoded, "base64");
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InvalidJsonError("the body is not valid UTF-8 text");
  }
}

/** Iterative (deeply nested bodies must not overflow the stack) search for a `__proto__` key. */
function assertNoPrototypeKey(root: object): void {
  const pending: object[] = [root];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (Array.isArray(next)) {
      for (const item of next) if (item !== null && typeof item === "object") pending.push(item);
      continue;
    }
    for (const key of Object.keys(next)) {
      if (key === "__proto__") {
        throw new ValidationError(
          "__proto__",
          'the key "__proto__" is not allowed anywhere in the body',
        );
      }
      const child: unknown = (next as Record<string, unknown>)[key];
      if (child !== null && typeof child === "object") pending.push(child);
    }
  }
}
