import { describe, expect, it } from "vitest";
import { ServiceError, ValidationError } from "../src/core/errors.js";
import { greetingCore } from "../src/core/greeting.js";
import { describeType, optionalString } from "../src/core/validation.js";

describe("greetingCore", () => {
  it("greets the given user with v2's exact result", () => {
    expect(greetingCore({ user: "Ada" })).toEqual({
      message: "Hello Ada! All OK!",
      status: "works",
      subsystem: "agnostic-core-v3",
    });
  });

  it("greets the Pilot when no user is given", () => {
    expect(greetingCore({})).toEqual({
      message: "Hello Pilot! All OK!",
      status: "works",
      subsystem: "agnostic-core-v3",
    });
  });

  it("ignores fields it does not know", () => {
    expect(greetingCore({ user: "Ada", extra: [1, 2] })).toMatchObject({
      message: "Hello Ada! All OK!",
    });
  });

  it.each([
    ["a number", 42, "got number"],
    ["null", null, "got null"],
    ["an array", ["Ada"], "got array"],
    ["an object", { name: "Ada" }, "got object"],
    ["a boolean", true, "got boolean"],
    ["an empty string", "", "got 0"],
    ["65 characters", "x".repeat(65), "got more than 64"],
  ])("rejects a user that is %s with a 422 naming the field and the rule", (_label, user, got) => {
    const attempt = () => greetingCore({ user });
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      const validation = error as ValidationError;
      expect(validation.statusCode).toBe(422);
      expect(validation.field).toBe("user");
      expect(validation.message).toBe(`"user" must be a string of 1 to 64 characters, ${got}`);
    }
  });

  it("counts characters as code points, so 64 emoji are accepted and 65 are not", () => {
    expect(greetingCore({ user: "🚀".repeat(64) }).message).toBe(
      `Hello ${"🚀".repeat(64)}! All OK!`,
    );
    expect(() => greetingCore({ user: "🚀".repeat(65) })).toThrow(ValidationError);
  });

  it("accepts exactly 1 and exactly 64 characters", () => {
    expect(greetingCore({ user: "A" }).message).toBe("Hello A! All OK!");
    expect(greetingCore({ user: "B".repeat(64) }).message).toBe(`Hello ${"B".repeat(64)}! All OK!`);
  });
});

describe("optionalString", () => {
  const rule = { minLength: 2, maxLength: 3, fallback: "none" };

  it("returns the fallback only when the field is absent", () => {
    expect(optionalString({}, "code", rule)).toBe("none");
    expect(() => optionalString({ code: null }, "code", rule)).toThrow('"code" must be a string');
  });

  it("names the field it checked", () => {
    expect(() => optionalString({ code: "x" }, "code", rule)).toThrow(
      '"code" must be a string of 2 to 3 characters, got 1',
    );
  });
});

describe("describeType", () => {
  it.each([
    [null, "null"],
    [[], "array"],
    [{}, "object"],
    ["s", "string"],
    [1, "number"],
    [false, "boolean"],
  ])("describes %j as %s", (value, expected) => {
    expect(describeType(value)).toBe(expected);
  });
});

describe("ServiceError", () => {
  it("is the base of ValidationError, whose name survives for logs", () => {
    const error = new ValidationError("user", "rule");
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ValidationError");
  });
});
