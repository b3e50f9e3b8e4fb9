/**
 * The user lookup as a service: what function/src/service.ts holds when this core replaces the
 * greeting. The DynamoDB client is created once, when the runtime loads the function.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ConfigurationError, readVariable } from "../../src/config.js";
import { defineService, type Environment } from "../../src/service-definition.js";
import { DynamoDbUserRepository } from "./dynamodb-user-repository.js";
import { createUserLookupCore } from "./user-lookup-core.js";

/** The user every stage's table holds for the smoke checks (seed it once per stage). */
export const SMOKE_USER_ID = "smoke-test";

export const userLookupService = defineService({
  createCore: (env) =>
    createUserLookupCore(new DynamoDbUserRepository(new DynamoDBClient({}), usersTable(env))),
  smokeChecks: [
    {
      name: "POST / finds the smoke user",
      request: { method: "POST", path: "/", body: { userId: SMOKE_USER_ID } },
      expect: {
        status: 200,
        body: { result: { user: { id: SMOKE_USER_ID } } },
        satisfies: (body) => {
          const user = (body.result as { user?: { name?: unknown } } | undefined)?.user;
          return typeof user?.name === "string" ? undefined : "result.user.name is not a string";
        },
      },
    },
    {
      name: "POST / refuses a request without userId",
      request: { method: "POST", path: "/", body: {} },
      expect: { status: 422, body: { field: "userId" } },
    },
  ],
});

/** `USERS_TABLE`: required; DynamoDB table names are 3 to 255 of `[a-zA-Z0-9_.-]`. */
function usersTable(env: Environment): string {
  const name = readVariable(env, "USERS_TABLE", "", (raw) => {
    if (!/^[\w.-]{3,255}$/.test(raw)) throw new Error("must be a DynamoDB table name");
    return raw;
  });
  if (name === "") throw new ConfigurationError("USERS_TABLE", "must name the users table");
  return name;
}
