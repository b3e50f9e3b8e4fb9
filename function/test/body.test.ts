import { describe, expect, it } from "vitest";
import { ValidationError } from "../src/core/errors.js";
import { decodeBody, MAX_BODY_BYTES, parsePayload } from "../src/http/body.js";
import { BadRequestError, InvalidJsonError, PayloadTooLargeError } from "../src/http/errors.js";

describe("decodeBody", () => {
  it.each([
    ["undefined", undefined, false],
    ["an empty string", "", false],
    ["an empty base64 string", "", true],
    ["an empty buffer", Buffer.alloc(0), false],
  ])("treats %s as no body", (_label, body, isBase64Encoded) => {
    expect(decodeBody(body, isBase64Encoded)).toBeUndefined();
  });

  it("passes a plain string through", () => {
    expect(decodeBody('{"user":"Ada"}', false)).toBe('{"user":"Ada"}');
  });

  it("decodes base64 text (string or buffer) to UTF-8", () => {
    const encoded = Buffer.from('{"user":"Zoë"}').toString("base64");
    expect(decodeBody(encoded, true)).toBe('{"user":"Zoë"}');
    expect(decodeBody(Buffer.from(encoded, "latin1"), true)).toBe('{"user":"Zoë"}');
  });

  it("decodes a raw buffer as UTF-8", () => {
    expect(decodeBody(Buffer.from('{"a":1}'), false)).toBe('{"a":1}');
  });

  it.each([
    ["characters outside the alphabet", "e30*"],
    ["a length that is not a multiple of 4", "e30"],
    ["padding in the middle", "e=30"],
    ["whitespace", "e3 0="],
  ])("rejects base64 with %s as a 400", (_label, encoded) => {
    expect(() => decodeBody(encoded, true)).toThrow(BadRequestError);
    expect(() => decodeBody(encoded, true)).toThrow("not valid base64");
  });

  it("rejects bytes that are not UTF-8 as invalid JSON input", () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    expect(() => decodeBody(bytes, false)).toThrow(InvalidJsonError);
    expect(() => decodeBody(bytes.toString("base64"), true)).toThrow("not valid UTF-8");
  });

  it("accepts exactly 64 KiB and refuses one byte more, however it is encoded", () => {
    const limit = "a".repeat(MAX_BODY_BYTES);
    expect(decodeBody(limit, false)).toHaveLength(MAX_BODY_BYTES);
    expect(decodeBody(Buffer.from(limit).toString("base64"), true)).toHaveLength(MAX_BODY_BYTES);
    const over = `${limit}a`;
    expect(() => decodeBody(over, false)).toThrow(PayloadTooLargeError);
    expect(() => decodeBody(Buffer.from(over), false)).toThrow(PayloadTooLargeError);
    expect(() => decodeBody(Buffer.from(over).toString("base64"), true)).toThrow(
      PayloadTooLargeError,
    );
  });

  it("counts bytes, not characters: 30 000 three-byte characters are over 64 KiB", () => {
    expect(() => decodeBody("€".repeat(30_000), false)).toThrow(PayloadTooLargeError);
  });

  it("refuses an oversized base64 body before validating or decoding it", () => {
    const huge = "!".repeat(4 * MAX_BODY_BYTES);
    expect(() => decodeBody(huge, true)).toThrow(PayloadTooLargeError);
  });
});

describe("parsePayload", () => {
  it("turns no body into an empty payload", () => {
    expect(parsePayload(undefined)).toEqual({});
  });

  it("parses a JSON object", () => {
    expect(parsePayload('{"user":"Ada","n":[1,2]}')).toEqual({ user: "Ada", n: [1, 2] });
  });

  it("reports invalid JSON with the parser's explanation", () => {
    expect(() => parsePayload("Hello from client!")).toThrow(InvalidJsonError);
    expect(() => parsePayload("Hello from client!")).toThrow(/Unexpected token/);
  });

  it("treats a whitespace-only body as invalid JSON, as v2 did", () => {
    expect(() => parsePayload("   ")).toThrow(InvalidJsonError);
  });

  it.each([
    ["[1,2]", "array"],
    ["42", "number"],
    ['"text"', "string"],
    ["null", "null"],
    ["true", "boolean"],
  ])("rejects %s with a 422 naming the body and its type", (text, type) => {
    expect(() => parsePayload(text)).toThrow(ValidationError);
    expect(() => parsePayload(text)).toThrow(`the body must be a JSON object, got ${type}`);
  });

  it.each([
    ["at the top level", '{"__proto__":{"polluted":true}}'],
    ["deep inside", '{"a":[{"b":{"__proto__":{"polluted":true}}}]}'],
    ["spelled with a unicode escape", '{"\\u005f_proto__":{"polluted":true}}'],
  ])("refuses a __proto__ key %s", (_label, text) => {
    expect(() => parsePayload(text)).toThrow('the key "__proto__" is not allowed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("accepts keys that merely contain the word", () => {
    expect(parsePayload('{"__proto__x":1,"proto":"__proto__"}')).toEqual({
      __proto__x: 1,
      proto: "__proto__",
    });
  });

  it("walks very deep nesting without overflowing the stack", () => {
    const depth = 20_000;
    const text = `{"a":${"[".repeat(depth)}{"__proto__":1}${"]".repeat(depth)},"b":"\\u0041"}`;
    expect(() => parsePayload(text)).toThrow(ValidationError);
  });
});
