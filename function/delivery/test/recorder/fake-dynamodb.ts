/**
 * An in-process fake of one DynamoDB table (awsJson1_0, `X-Amz-Target: DynamoDB_20120810.PutItem`)
 * for the recorder's idempotency claims. It implements only what the recorder sends: PutItem with
 * an optional condition of the form `attribute_not_exists(a) OR b < :v`, evaluated as DynamoDB
 * does (a missing attribute fails the comparison; N values compare as numbers). Anything else is
 * answered with a ValidationException, so a change to the real request cannot pass unnoticed.
 */
import {
  awsError,
  type FakeAnswer,
  type FakeAwsEndpoint,
  type FakeRequest,
  startFakeAwsEndpoint,
} from "@agnostic-lambda-core/fake-aws/scripted";

export type AttributeValue = { readonly S?: string; readonly N?: string };
export type Item = Readonly<Record<string, AttributeValue>>;

export interface FakeDynamoDbTable {
  readonly endpoint: FakeAwsEndpoint;
  /** The stored items by their `id`. */
  readonly items: ReadonlyMap<string, Item>;
  /** Stores `item` directly, as if it had been written earlier. */
  seed(item: Item): void;
  /** Answers every following request with `answer` (e.g. a throttling error) until cleared. */
  failWith(answer: FakeAnswer | undefined): void;
  close(): Promise<void>;
}

const CONDITION = /^attribute_not_exists\((#?\w+)\) OR (#?\w+) < (:\w+)$/;
const PREFIX = "com.amazonaws.dynamodb.v20120810#";

const validation = (message: string) => awsError(400, `${PREFIX}ValidationException`, message);

function compareValues(left: AttributeValue | undefined, right: AttributeValue | undefined) {
  if (left?.N !== undefined && right?.N !== undefined) return Number(left.N) - Number(right.N);
  if (left?.S !== undefined && right?.S !== undefined) return left.S < right.S ? -1 : 1;
  return undefined;
}

/** Starts a fake table named `tableName` with hash key `id`. Close it after the test. */
export async function startFakeDynamoDbTable(tableName: string): Promise<FakeDynamoDbTable> {
  const items = new Map<string, Item>();
  let failure: FakeAnswer | undefined;

  const putItem = ({ body }: FakeRequest): FakeAnswer => {
    if (failure) return failure;
    if (body.TableName !== tableName) {
      return awsError(400, `${PREFIX}ResourceNotFoundException`, "Requested resource not found");
    }
    const item = body.Item as Item | undefined;
    const id = item?.id?.S;
    if (!item || id === undefined) return validation("the item has no string key id");
    const expression = body.ConditionExpression;
    if (expression !== undefined) {
      const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (body.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
      const parts = CONDITION.exec(String(expression));
      if (!parts) return validation(`the fake does not evaluate ${String(expression)}`);
      const [, absent = "", compared = "", value = ""] = parts;
      const name = (token: string) => (token.startsWith("#") ? names[token] : token);
      const absentName = name(absent);
      const comparedName = name(compared);
      if (!absentName || !comparedName || !(value in values)) {
        return validation("an expression attribute name or value is not defined");
      }
      const existing = items.get(id);
      const holds =
        existing === undefined ||
        !(absentName in existing) ||
        (compareValues(existing[comparedName], values[value]) ?? 0) < 0;
      if (!holds) {
        return awsError(
          400,
          `${PREFIX}ConditionalCheckFailedException`,
          "The conditional request failed",
        );
      }
    }
    items.set(id, item);
    return { body: {} };
  };

  const endpoint = await startFakeAwsEndpoint({ "DynamoDB_20120810.PutItem": putItem });
  return {
    endpoint,
    items,
    seed: (item) => {
      if (item.id?.S !== undefined) items.set(item.id.S, item);
    },
    failWith: (answer) => {
      failure = answer;
    },
    close: () => endpoint.close(),
  };
}
