import { stringList } from "../attributes";
import type { GuardrailRule } from "../rule";

/**
 * ALC011: a plan run with the wrong credentials stops before it reads or changes anything.
 * (A stack with AWS resources and no AWS provider at all is already refused by cdktf's own
 * validation: "Found resources without a matching provider construct".)
 */
export const providerPinsAccount: GuardrailRule = {
  id: "ALC011",
  title: "The AWS provider pins allowed_account_ids",
  why:
    "Without the pin, credentials for the wrong account (dev's shell running a prod deploy) " +
    "plan and apply the stage there.",
  fix: "set allowedAccountIds: [config.account.id] on the AwsProvider",
  appliesTo: (element) => element.kind === "provider" && element.type === "aws",
  check: (element, context) => {
    const allowed = stringList(element.attributes.allowed_account_ids);
    if (allowed.length === 0) return ["allowed_account_ids is not set"];
    if (
      context.accountId !== undefined &&
      (allowed.length !== 1 || allowed[0] !== context.accountId)
    ) {
      return [
        `allowed_account_ids is ${JSON.stringify(allowed)}, expected exactly ["${context.accountId}"] from the stage config`,
      ];
    }
    return [];
  },
};
