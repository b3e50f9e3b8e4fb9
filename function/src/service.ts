/**
 * The service: which core answers `/`, and the smoke checks that prove a new version works
 * before it gets traffic. The Lambda entry, the local server, `npm run invoke` and the
 * deployment hooks all read this module: replacing the business logic is an edit here (and to
 * the core's tests). docs/bring-your-own-core.md walks through one.
 */
import { greetingCore } from "./core/greeting.js";
import { defineService } from "./service-definition.js";

/** The user the smoke POST greets; visible in the function's request log as a POST to `/`. */
export const SMOKE_USER = "smoke-test";

export const service = defineService({
  createCore: () => greetingCore,
  smokeChecks: [
    {
      name: "POST / greets the smoke user",
      request: { method: "POST", path: "/", body: { user: SMOKE_USER } },
      expect: {
        status: 200,
        body: {
          result: {
            message: `Hello ${SMOKE_USER}! All OK!`,
            status: "works",
            subsystem: "agnostic-core-v3",
          },
        },
      },
    },
    {
      name: "POST / refuses a user that is not a string",
      request: { method: "POST", path: "/", body: { user: 7 } },
      expect: { status: 422, body: { error: "Unprocessable Entity", field: "user" } },
    },
  ],
});
