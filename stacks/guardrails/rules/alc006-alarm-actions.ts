import { stringList } from "../attributes";
import type { GuardrailRule } from "../rule";

/**
 * ALC006: an alarm that notifies nobody (and stops nothing) is noise in the console. There is no
 * built-in exemption: an alarm whose only effect is elsewhere (a canary alarm that CodeDeploy
 * watches to roll back) carries a written ALC006 waiver on that one alarm.
 */
export const alarmHasAction: GuardrailRule = {
  id: "ALC006",
  title: "Every alarm has at least one alarm action",
  why: "An alarm without an action changes state silently: nobody is paged and nothing stops.",
  fix:
    "add alarmActions (the stage's alarm topic ARN) and leave actionsEnabled on; an alarm whose " +
    'action is elsewhere (a canary alarm that a CodeDeploy deployment group watches) needs waive(alarm, "ALC006", reason)',
  appliesTo: (element) =>
    element.kind === "resource" &&
    (element.type === "aws_cloudwatch_metric_alarm" ||
      element.type === "aws_cloudwatch_composite_alarm"),
  check: (element) => {
    const problems: string[] = [];
    if (stringList(element.attributes.alarm_actions).length === 0) {
      problems.push("alarm_actions is empty");
    }
    if (element.attributes.actions_enabled === false) {
      problems.push("actions_enabled is false: the alarm's actions never run");
    }
    return problems;
  },
};
