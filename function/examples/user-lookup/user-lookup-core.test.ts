import { describe, expect, it } from "vitest";
import type { CoreContext } from "../../src/core/contract.js";
import { ValidationError } from "../../src/core/errors.js";
import {
  createUserLookupCore,
  type User,
  type UserNotFoundError,
  type UserRepository,
} from "./user-lookup-core.js";

/** The port implemented in memory: what the core's unit tests run against. */
class InMemoryUserRepository implements UserRepository {
  readonly lookups: { id: string; signal: AbortSignal }[] = [];

  constructor(private readonly users: readonly User[] = []) {}

  async findById(id: string, signal: AbortSignal): Promise<User | undefined> {
    this.lookups.push({ id, signal });
    return this.users.find((user) => user.id === id);
  }
}

function contextFor(requestId = "req-1"): CoreContext & { readonly lines: string[] } {
  const lines: string[] = [];
  const log = (message: string) => lines.push(message);
  return {
    requestId,
    lines,
    signal: new AbortController().signal,
    logger: { debug: log, info: log, warn: log, error: log },
  };
}

describe("the user lookup core", () => {
  it("answers the user it finds", async () => {
    const core = createUserLookupCore(new InMemoryUserRepository([{ id: "u-1", name: "Ada" }]));
    expect(await core({ userId: "u-1" }, contextFor())).toEqual({
      user: { id: "u-1", name: "Ada" },
    });
  });

  it("hands the repository the request's deadline signal", async () => {
    const users = new InMemoryUserRepository([{ id: "u-1", name: "Ada" }]);
    const context = contextFor();
    await createUserLookupCore(users)({ userId: "u-1" }, context);
    expect(users.lookups).toEqual([{ id: "u-1", signal: context.signal }]);
  });

  it("refuses a request without userId, naming the field", async () => {
    const core = createUserLookupCore(new InMemoryUserRepository());
    const attempt = core({}, contextFor());
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ field: "userId" });
  });

  it("refuses a userId that is not a string, without asking the repository", async () => {
    const users = new InMemoryUserRepository();
    await expect(createUserLookupCore(users)({ userId: 7 }, contextFor())).rejects.toMatchObject({
      field: "userId",
      message: '"userId" must be a string of 1 to 64 characters, got number',
    });
    expect(users.lookups).toEqual([]);
  });

  it("answers an unknown id with a 404 naming it", async () => {
    const core = createUserLookupCore(new InMemoryUserRepository());
    await expect(core({ userId: "u-404" }, contextFor())).rejects.toMatchObject({
      statusCode: 404,
      message: 'no user has the id "u-404"',
    } satisfies Partial<UserNotFoundError>);
  });

  it("lets a repository failure through, for the pipeline to answer 500", async () => {
    const failing: UserRepository = {
      findById: () => Promise.reject(new Error("ProvisionedThroughputExceededException")),
    };
    await expect(createUserLookupCore(failing)({ userId: "u-1" }, contextFor())).rejects.toThrow(
      "ProvisionedThroughputExceededException",
    );
  });
});
