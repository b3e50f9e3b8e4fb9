import { isNonEmptyString } from "../attributes";
import type { GuardrailRule } from "../rule";

/** ALC001: alarm notifications (and anything else on SNS) are encrypted at rest with KMS. */
export const snsTopicKms: GuardrailRule = {
  id: "ALC001",
  title: "Every SNS topic is encrypted with KMS",
  why: "Messages sit on the topic unencrypted otherwise; alarm texts name resources and accounts.",
  fix:
    "set kmsMasterKeyId to a customer managed KMS key whose policy lets the publishers " +
    "(cloudwatch.amazonaws.com for alarms) use it; alias/aws/sns does not work for CloudWatch alarms",
  appliesTo: (element) => element.kind === "resource" && element.type === "aws_sns_topic",
  check: (element) =>
    isNonEmptyString(element.attributes.kms_master_key_id)
      ? []
      : ["kms_master_key_id is not set: the topic is not encrypted with KMS"],
};
