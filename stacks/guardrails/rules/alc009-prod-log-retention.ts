import type { GuardrailRule } from "../rule";

export const PROD_MINIMUM_RETENTION_DAYS = 30;

/** ALC009: prod keeps its logs long enough to investigate an incident reported late. */
export const prodLogRetention: GuardrailRule = {
  id: "ALC009",
  title: `In prod, every log group keeps logs for at least ${PROD_MINIMUM_RETENTION_DAYS} days`,
  why:
    "Incidents are often reported days later, and time-to-restore analysis needs the logs of the " +
    "whole incident; shorter retention deletes the evidence.",
  fix: `set retentionInDays to ${PROD_MINIMUM_RETENTION_DAYS} or more (prod's function.logRetentionDays in the stage config)`,
  appliesTo: (element, context) =>
    context.stage === "prod" &&
    element.kind === "resource" &&
    element.type === "aws_cloudwatch_log_group",
  check: (element) => {
    const retention = element.attributes.retention_in_days;
    // Unset or 0 (never expire) keeps logs long enough; ALC002 objects to those separately.
    if (retention === undefined || retention === null || retention === 0) return [];
    if (typeof retention !== "number") {
      return [`retention_in_days ${JSON.stringify(retention)} cannot be checked at synth time`];
    }
    return retention < PROD_MINIMUM_RETENTION_DAYS
      ? [`retention_in_days is ${retention}, below ${PROD_MINIMUM_RETENTION_DAYS}`]
      : [];
  },
};
