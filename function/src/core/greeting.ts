import type { JsonObject, Payload } from "./contract.js";
import { optionalString } from "./validation.js";

export const USER_RULE = { minLength: 1, maxLength: 64, fallback: "Pilot" } as const;

/**
 * The default core, answering what the v2 service answered. Synchronous: it needs no I/O, and
 * the pipeline calls a synchronous core without any `await`.
 *
 * @example greetingCore({ user: "Ada" }) // { message: "Hello Ada! All OK!", status: "works", subsystem: "agnostic-core-v3" }
 */
export function greetingCore(payload: Payload): JsonObject {
  return {
    message: `Hello ${optionalString(payload, "user", USER_RULE)}! All OK!`,
    status: "works",
    subsystem: "agnostic-core-v3",
  };
}
