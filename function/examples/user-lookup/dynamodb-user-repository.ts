/**
 * The DynamoDB adapter of the user lookup's port: one GetItem per lookup, on a table whose
 * partition key is the string attribute `id` and whose items carry a string `name`.
 */
import { type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { User, UserRepository } from "./user-lookup-core.js";

export class DynamoDbUserRepository implements UserRepository {
  /**
   * @param client created once, at start-up, and shared by every invocation of the container
   * @param tableName the table to read (the function's role needs `dynamodb:GetItem` on it)
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async findById(id: string, signal: AbortSignal): Promise<User | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { id: { S: id } },
        ProjectionExpression: "#id, #name",
        ExpressionAttributeNames: { "#id": "id", "#name": "name" },
      }),
      // The request is abandoned when the core's deadline comes, instead of running on unseen.
      { abortSignal: signal },
    );
    if (Item === undefined) return undefined;
    const name = Item.name?.S;
    if (name === undefined) {
      // A broken item is the service's problem, not the client's: a 500, with this in the log.
      throw new Error(`item "${id}" of table ${this.tableName} has no string attribute "name"`);
    }
    return { id, name };
  }
}
