/**
 * An async core that looks a user up before answering. It owns its port (`UserRepository`) and
 * knows nothing of DynamoDB: the adapter in dynamodb-user-repository.ts implements the port, and
 * service.ts wires the two together at start-up.
 */
import type { Core } from "../../src/core/contract.js";
import { ServiceError, ValidationError } from "../../src/core/errors.js";
import { optionalString } from "../../src/core/validation.js";

export interface User {
  readonly id: string;
  readonly name: string;
}

/** The port: where users come from. `signal` fires shortly before the request's deadline. */
export interface UserRepository {
  findById(id: string, signal: AbortSignal): Promise<User | undefined>;
}

/** No user has this id: a client mistake, answered 404 with this message. */
export class UserNotFoundError extends ServiceError {
  readonly statusCode = 404;

  constructor(readonly userId: string) {
    super(`no user has the id "${userId}"`);
  }
}

export const USER_ID_RULE = { minLength: 1, maxLength: 64, fallback: "" } as const;

/**
 * The core: `{ "userId": "u-1" }` in, `{ "user": { "id": "u-1", "name": "Ada" } }` out.
 *
 * @example const core = createUserLookupCore(new DynamoDbUserRepository(client, "users"));
 */
export function createUserLookupCore(users: UserRepository): Core {
  return async (payload, { signal, logger }) => {
    const userId = optionalString(payload, "userId", USER_ID_RULE);
    if (userId === "") {
      // The empty fallback means the field is absent; this core needs it.
      throw new ValidationError("userId", '"userId" is required: a string of 1 to 64 characters');
    }
    const user = await users.findById(userId, signal);
    if (user === undefined) throw new UserNotFoundError(userId);
    logger.debug("user found", { userId });
    return { user: { id: user.id, name: user.name } };
  };
}
