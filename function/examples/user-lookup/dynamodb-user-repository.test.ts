import { FakeAwsEndpoint, HANG } from "@agnostic-lambda-core/fake-aws";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbUserRepository } from "./dynamodb-user-repository.js";
import { startFakeUsersTable } from "./fake-users-table.js";

const TABLE = "users-test";
let endpoint: FakeAwsEndpoint;
let client: DynamoDBClient;

beforeAll(async () => {
  endpoint = await startFakeUsersTable(TABLE, [
    { id: { S: "u-1" }, name: { S: "Ada" }, email: { S: "ada@example.com" } },
    { id: { S: "u-broken" } },
  ]);
  client = clientFor(endpoint.url);
});

function clientFor(url: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
    maxAttempts: 2,
  });
}

afterAll(async () => {
  client.destroy();
  await endpoint.stop();
});

const never = new AbortController().signal;

describe("DynamoDbUserRepository", () => {
  it("reads the user with one GetItem on the table, by id, asking only for id and name", async () => {
    endpoint.reset();
    const user = await new DynamoDbUserRepository(client, TABLE).findById("u-1", never);

    expect(user).toEqual({ id: "u-1", name: "Ada" });
    expect(endpoint.callsOf("GetItem").map((call) => call.json)).toEqual([
      {
        TableName: TABLE,
        Key: { id: { S: "u-1" } },
        ProjectionExpression: "#id, #name",
        ExpressionAttributeNames: { "#id": "id", "#name": "name" },
      },
    ]);
  });

  it("answers undefined when no item has the id", async () => {
    expect(
      await new DynamoDbUserRepository(client, TABLE).findById("u-404", never),
    ).toBeUndefined();
  });

  it("fails naming the item and the attribute when an item has no name", async () => {
    await expect(
      new DynamoDbUserRepository(client, TABLE).findById("u-broken", never),
    ).rejects.toThrow(`item "u-broken" of table ${TABLE} has no string attribute "name"`);
  });

  it("lets DynamoDB's error through when the table does not exist", async () => {
    await expect(
      new DynamoDbUserRepository(client, "missing").findById("u-1", never),
    ).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("abandons the request when the deadline signal fires", async () => {
    const silent = new FakeAwsEndpoint().target("DynamoDB_20120810.GetItem", () => HANG);
    await silent.start();
    const hangingClient = clientFor(silent.url);
    try {
      const deadline = new AbortController();
      const lookup = new DynamoDbUserRepository(hangingClient, TABLE).findById(
        "u-1",
        deadline.signal,
      );
      setTimeout(() => deadline.abort(new Error("deadline")), 20);
      await expect(lookup).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      hangingClient.destroy();
      await silent.stop();
    }
  });
});
