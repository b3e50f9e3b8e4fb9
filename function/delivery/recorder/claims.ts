/**
 * The recorder's idempotency store on DynamoDB: one conditional PutItem per logical event, so a
 * redelivery that reaches another container (EventBridge delivers at least once) finds the claim
 * and writes neither the record nor the metrics again.
 *
 * Written out rather than with Powertools' Idempotency utility: no release of
 * `@aws-lambda-powertools/idempotency` matches the installed Powertools 2.36.0 (the newest is
 * 2.35.0, which would bundle a second `commons`), and the recorder needs only "claim this key
 * unless someone already did", not stored results or in-progress states.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { ClaimEvent } from "./recorder.js";

/** The table's hash key and TTL attribute, as stacks/constructs/dora-recorder.ts declares them. */
export const CLAIM_KEY_ATTRIBUTE = "id";
export const CLAIM_EXPIRY_ATTRIBUTE = "expiresAt";

/**
 * A claim store on `tableName`. An expired item still counts as absent: DynamoDB deletes expired
 * items only eventually (typically within days), so the condition checks the expiry itself.
 */
export function dynamoDbClaims(client: DynamoDBClient, tableName: string): ClaimEvent {
  return async (key, { expiresAt, now }) => {
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            [CLAIM_KEY_ATTRIBUTE]: { S: key },
            [CLAIM_EXPIRY_ATTRIBUTE]: { N: String(expiresAt) },
          },
          ConditionExpression: "attribute_not_exists(#id) OR #expiresAt < :now",
          ExpressionAttributeNames: {
            "#id": CLAIM_KEY_ATTRIBUTE,
            "#expiresAt": CLAIM_EXPIRY_ATTRIBUTE,
          },
          ExpressionAttributeValues: { ":now": { N: String(now) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };
}
