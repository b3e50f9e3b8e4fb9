import { firstBlock, stringList } from "../attributes";
import type { GuardrailRule } from "../rule";
import { isStrictStage } from "./strict-stages";

/** ALC007: in test and prod a bad release rolls itself back when an alarm fires. */
export const deploymentRollsBackOnAlarm: GuardrailRule = {
  id: "ALC007",
  title: "In test and prod, CodeDeploy rolls back on alarm, with at least one alarm attached",
  why:
    "Progressive delivery only protects users if a failing canary stops the deployment and " +
    "restores the previous version without a human in the loop.",
  fix:
    "give the deployment group autoRollbackConfiguration { enabled: true, events: [..., " +
    '"DEPLOYMENT_STOP_ON_ALARM"] } and alarmConfiguration { enabled: true, alarms: [<canary alarm names>] }',
  appliesTo: (element, context) =>
    isStrictStage(context.stage) &&
    element.kind === "resource" &&
    element.type === "aws_codedeploy_deployment_group",
  check: (element) => {
    const problems: string[] = [];
    const rollback = firstBlock(element.attributes.auto_rollback_configuration);
    if (rollback?.enabled !== true) {
      problems.push("auto_rollback_configuration.enabled is not true");
    }
    if (!stringList(rollback?.events).includes("DEPLOYMENT_STOP_ON_ALARM")) {
      problems.push("auto_rollback_configuration.events does not include DEPLOYMENT_STOP_ON_ALARM");
    }
    const alarms = firstBlock(element.attributes.alarm_configuration);
    if (alarms?.enabled !== true) problems.push("alarm_configuration.enabled is not true");
    if (stringList(alarms?.alarms).length === 0) {
      problems.push("alarm_configuration.alarms is empty: no alarm can stop the deployment");
    }
    return problems;
  },
  checkStack: (context) =>
    isStrictStage(context.stage) &&
    context.stack.resourceTypes.has("aws_lambda_function_url") &&
    !context.stack.resourceTypes.has("aws_codedeploy_deployment_group")
      ? [
          `the ${context.stage} stack serves a Function URL but has no CodeDeploy deployment group, ` +
            "so releases cannot roll back on alarm",
        ]
      : [],
};
