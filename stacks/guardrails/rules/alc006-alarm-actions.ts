import { stringList } from "../attributes";
import type { GuardrailRule } from "../rule";

/** ALC006: an alarm that notifies nobody (and stops nothing) is noise in the console. */
export const alarmHasAction: GuardrailRule = {
  id: "ALC006",
  title: "Every alarm has at least one alarm action",
  why: "An alarm without an action changes state silently: nobody is paged and nothing stops.",
  fix:
    "add alarmActions (the stage's alarm topic ARN) and leave actionsEnabled on; an alarm that " +
    "only stops deployments must be listed in a CodeDeploy deployment group's alarm_configuration",
  appliesTo: (element) =>
    element.kind === "resource" &&
    (element.type === "aws_cloudwatch_metric_alarm" ||
      element.type === "aws_cloudwatch_composite_alarm"),
  check: (element, context) => {
    const watched = context.stack.alarmsWatchedByDeployments;
    const name = element.attributes.alarm_name;
    // A canary alarm's action is CodeDeploy's rollback: the deployment group watches it.
    const watchedByDeployment =
      (typeof name === "string" && watched.has(name)) ||
      [...watched].some((entry) => entry.startsWith(`\${${element.type}.${element.name}.`));
    const problems: string[] = [];
    if (stringList(element.attributes.alarm_actions).length === 0 && !watchedByDeployment) {
      problems.push("alarm_actions is empty and no CodeDeploy deployment group watches the alarm");
    }
    if (element.attributes.actions_enabled === false) {
      problems.push("actions_enabled is false: the alarm's actions never run");
    }
    return problems;
  },
};
