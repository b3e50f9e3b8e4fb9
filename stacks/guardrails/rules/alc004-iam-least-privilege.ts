import { blocks, stringList } from "../attributes";
import { ACCOUNT_WIDE_ACTIONS, permissionPolicyProblems } from "../iam-policy";
import type { ElementView, GuardrailRule } from "../rule";

/** Identity (permission) policies, by resource type: where their JSON lives. */
const PERMISSION_POLICY_TYPES: ReadonlySet<string> = new Set([
  "aws_iam_policy",
  "aws_iam_role_policy",
  "aws_iam_user_policy",
  "aws_iam_group_policy",
]);

/** Resources that attach a managed policy by ARN, and the attribute holding the ARN(s). */
const ATTACHMENT_ATTRIBUTES: Readonly<Record<string, string>> = {
  aws_iam_role_policy_attachment: "policy_arn",
  aws_iam_user_policy_attachment: "policy_arn",
  aws_iam_group_policy_attachment: "policy_arn",
  aws_iam_policy_attachment: "policy_arn",
  aws_iam_role_policy_attachments_exclusive: "policy_arns",
  aws_iam_role: "managed_policy_arns",
};

/** A policy defined in this stack (checked where it is defined). */
const STACK_POLICY_REFERENCE = /^\$\{aws_iam_policy\.[A-Za-z0-9_-]+\.(?:arn|id)\}$/;

function policiesOf(element: ElementView): { where: string; attribute: string }[] {
  if (PERMISSION_POLICY_TYPES.has(element.type)) return [{ where: "policy", attribute: "policy" }];
  if (element.type !== "aws_iam_role") return [];
  return blocks(element.attributes.inline_policy).map((block, index) => ({
    where: `inline_policy "${typeof block.name === "string" ? block.name : index}"`,
    attribute: `inline_policy.${index}.policy`,
  }));
}

const allowList = ACCOUNT_WIDE_ACTIONS.map(
  (entry) =>
    entry.action +
    (entry.requiredCondition
      ? ` (with a condition on ${entry.requiredCondition}${entry.requiredCondition.endsWith("/") ? "*" : ""})`
      : ""),
).join(", ");

/** ALC004: permission policies name the actions and resources they need, nothing wider. */
export const iamLeastPrivilege: GuardrailRule = {
  id: "ALC004",
  title: 'No IAM policy allows "*" actions, service-wide wildcards or Resource "*"',
  why:
    'A wildcard grants actions nobody reviewed (s3:* includes DeleteBucket); Resource "*" lets a ' +
    "leaked credential reach every resource of that kind in the account, other stages included.",
  fix:
    "list the exact actions and scope Resource to ARNs built from the stage config; " +
    `Resource "*" is accepted only for ${allowList}; AWS managed policies cannot be checked, ` +
    "so write the statements inline instead of attaching one",
  appliesTo: (element) =>
    element.kind === "resource" &&
    (PERMISSION_POLICY_TYPES.has(element.type) || element.type in ATTACHMENT_ATTRIBUTES),
  check: (element) => {
    const problems: string[] = [];
    for (const { where, attribute } of policiesOf(element)) {
      const policy = element.policyAt(attribute);
      if ("unreadable" in policy) problems.push(`${where}: ${policy.unreadable}`);
      else
        problems.push(...permissionPolicyProblems(policy.statements).map((p) => `${where}: ${p}`));
    }
    const attachmentAttribute = ATTACHMENT_ATTRIBUTES[element.type];
    if (attachmentAttribute) {
      for (const arn of stringList(element.attributes[attachmentAttribute])) {
        if (!STACK_POLICY_REFERENCE.test(arn)) {
          problems.push(
            `attaches ${arn}, a managed policy whose statements cannot be checked at synth time`,
          );
        }
      }
    }
    return problems;
  },
};
