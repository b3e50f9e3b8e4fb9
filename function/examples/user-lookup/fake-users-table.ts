/**
 * Test support: one DynamoDB table of users on the in-process fake AWS endpoint, answering
 * GetItem as DynamoDB does (the item, or no `Item` when the key is absent). Anything the adapter
 * should not send (another table, a key other than `id`) is refused as DynamoDB would refuse it.
 */
import { FakeAwsEndpoint, FakeAwsError } from "@agnostic-lambda-core/fake-aws";

export type StoredItem = Readonly<Record<string, { readonly S: string }>>;

const PREFIX = "com.amazonaws.dynamodb.v20120810#";

export async function startFakeUsersTable(
  tableName: string,
  items: readonly StoredItem[],
): Promise<FakeAwsEndpoint> {
  const byId = new Map(items.map((item) => [item.id?.S, item]));
  const endpoint = new FakeAwsEndpoint().target("DynamoDB_20120810.GetItem", ({ json }) => {
    if (json.TableName !== tableName) {
      throw new FakeAwsError(
        400,
        `${PREFIX}ResourceNotFoundException`,
        "Requested resource not found",
      );
    }
    const key = json.Key as Record<string, { S?: string }> | undefined;
    if (key === undefined || Object.keys(key).join() !== "id" || key.id?.S === undefined) {
      throw new FakeAwsError(
        400,
        `${PREFIX}ValidationException`,
        "The provided key element does not match the schema",
      );
    }
    const item = byId.get(key.id.S);
    return { body: item === undefined ? {} : { Item: item } };
  });
  await endpoint.start();
  return endpoint;
}
