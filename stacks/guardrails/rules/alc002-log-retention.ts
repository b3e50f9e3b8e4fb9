import { isExpression } from "../attributes";
import type { GuardrailRule } from "../rule";

/** ALC002: no log group keeps logs forever. */
export const logGroupRetention: GuardrailRule = {
  id: "ALC002",
  title: "Every CloudWatch log group has a retention period",
  why: "Without one, logs (and any personal data in them) are kept and billed forever.",
  fix: "set retentionInDays to one of the values CloudWatch accepts (the stage config's function.logRetentionDays)",
  appliesTo: (element) =>
    element.kind === "resource" && element.type === "aws_cloudwatch_log_group",
  check: (element) => {
    const retention = element.attributes.retention_in_days;
    if (retention === undefined || retention === null) {
      return ["retention_in_days is not set: logs never expire"];
    }
    if (retention === 0) return ["retention_in_days is 0, which means logs never expire"];
    if (typeof retention !== "number" && !isExpression(retention)) {
      return [`retention_in_days must be a number of days, got ${JSON.stringify(retention)}`];
    }
    return [];
  },
};
