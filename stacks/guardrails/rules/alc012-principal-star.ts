import { isNonEmptyString } from "../attributes";
import { principalPolicyProblems, RESOURCE_POLICY_ATTRIBUTES } from "../iam-policy";
import type { ElementView, GuardrailRule } from "../rule";

/** Conditions an `aws_lambda_permission` can carry to narrow who may invoke. */
const LAMBDA_PERMISSION_CONDITIONS = [
  "source_arn",
  "source_account",
  "principal_org_id",
  "function_url_auth_type",
] as const;

function lambdaPermissionProblems(element: ElementView): string[] {
  if (element.attributes.principal !== "*") return [];
  const narrowed = LAMBDA_PERMISSION_CONDITIONS.some((key) =>
    isNonEmptyString(element.attributes[key]),
  );
  // function_url_auth_type makes the statement usable through the Function URL only; whether
  // the URL may be public at all is ALC005's question.
  return narrowed
    ? []
    : [
        `principal is "*" with no source_arn, source_account, principal_org_id or ` +
          `function_url_auth_type: any AWS account may call ${JSON.stringify(element.attributes.action)}`,
      ];
}

/** ALC012: nothing trusts or grants to "anyone" without a condition that narrows it. */
export const noAnonymousPrincipal: GuardrailRule = {
  id: "ALC012",
  title: 'No trust or resource policy allows Principal "*" without a condition',
  why:
    'Principal "*" means every AWS account and anonymous callers; without a condition such as ' +
    "aws:SourceAccount or aws:SourceArn the resource is open to the world.",
  fix:
    "name the principal (a service or an account root ARN) or add a condition that narrows it " +
    "(aws:SourceAccount, aws:SourceArn, aws:PrincipalOrgID; source_arn / source_account on a Lambda permission)",
  appliesTo: (element) =>
    element.kind === "resource" &&
    (element.type === "aws_lambda_permission" || element.type in RESOURCE_POLICY_ATTRIBUTES),
  check: (element) => {
    if (element.type === "aws_lambda_permission") return lambdaPermissionProblems(element);
    const attribute = RESOURCE_POLICY_ATTRIBUTES[element.type];
    if (!attribute) return [];
    const policy = element.policyAt(attribute);
    if ("unreadable" in policy) return [`${attribute}: ${policy.unreadable}`];
    return principalPolicyProblems(policy.statements).map((problem) => `${attribute}: ${problem}`);
  },
};
