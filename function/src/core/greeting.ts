import type { Core } from "./contract.js";
import { optionalString } from "./validation.js";

export const USER_RULE = { minLength: 1, maxLength: 64, fallback: "Pilot" } as const;

/**
 * The default core, answering what the v2 service answered.
 *
 * @example greetingCore({ user: "Ada" }) // { message: "Hello Ada! All OK!", status: "works", subsystem: "agnostic-core-v3" }
 */
export const greetingCore: Core = (payload) => ({
  message: `Hello ${optionalString(payload, "user", USER_RULE)}! All OK!`,
  status: "works",
  subsystem: "agnostic-core-v3",
});
