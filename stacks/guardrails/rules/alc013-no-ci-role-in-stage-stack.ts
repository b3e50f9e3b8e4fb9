import { GITHUB_OIDC_HOST } from "../../constructs/github-oidc-provider";
import { isExpression } from "../attributes";
import type { NormalizedStatement } from "../iam-policy";
import type { ElementView, GuardrailRule } from "../rule";

/**
 * The CI role naming convention (`<prefix>-ci-plan`, `<prefix>-ci-deploy`; the deploy role is
 * denied every IAM change on `<prefix>-ci-*`, so CI could never apply such a role either).
 */
const CI_ROLE_NAME = /(^|-)ci-/i;

/** Resources that put a policy on a role named by their `role` attribute. */
const ROLE_POLICY_TYPES = new Set([
  "aws_iam_role_policy",
  "aws_iam_role_policy_attachment",
  "aws_iam_role_policies_exclusive",
  "aws_iam_role_policy_attachments_exclusive",
]);

function isLiteralCiRoleName(value: unknown): value is string {
  return typeof value === "string" && !isExpression(value) && CI_ROLE_NAME.test(value);
}

/** Why one trust statement lets GitHub Actions in, or `undefined` when it does not. */
function githubTrust(statement: NormalizedStatement, index: number): string | undefined {
  if (statement.effect !== "Allow") return undefined;
  const federated = statement.principals
    .filter((principal) => principal.type === "Federated")
    .flatMap((principal) => principal.identifiers);
  const host = GITHUB_OIDC_HOST.toLowerCase();
  if (federated.some((identifier) => identifier.toLowerCase().includes(host))) {
    return `statement ${index + 1} trusts the GitHub OIDC provider (${GITHUB_OIDC_HOST})`;
  }
  if (statement.conditionKeys.some((key) => key.startsWith(`${host}:`))) {
    return `statement ${index + 1} checks GitHub OIDC claims (${GITHUB_OIDC_HOST}:...)`;
  }
  const webIdentity = statement.actions.some(
    (action) => action.toLowerCase() === "sts:assumerolewithwebidentity",
  );
  // A provider given as a reference cannot be read at synth: fail closed if it is an OIDC one.
  if (webIdentity && federated.some((id) => id.includes("aws_iam_openid_connect_provider."))) {
    return `statement ${index + 1} trusts an OIDC provider given as a reference (sts:AssumeRoleWithWebIdentity)`;
  }
  return undefined;
}

function roleProblems(element: ElementView): string[] {
  const problems: string[] = [];
  for (const attribute of ["name", "name_prefix"] as const) {
    const value = element.attributes[attribute];
    if (isLiteralCiRoleName(value)) {
      problems.push(
        `${attribute} "${value}" follows the CI role naming convention (<prefix>-ci-*)`,
      );
    }
  }
  const trust = element.policyAt("assume_role_policy");
  if ("unreadable" in trust) {
    problems.push(
      `assume_role_policy cannot be read (${trust.unreadable}), so it may trust GitHub Actions`,
    );
  } else {
    for (const [index, statement] of trust.statements.entries()) {
      const reason = githubTrust(statement, index);
      if (reason) problems.push(`assume_role_policy: ${reason}`);
    }
  }
  return problems;
}

/**
 * ALC013: CI's own roles live in the stacks an administrator applies (`shared`,
 * `bootstrap-<stage>`); a stage stack, which CI applies, never defines or changes one.
 */
export const noCiRoleInStageStack: GuardrailRule = {
  id: "ALC013",
  title: "A stage stack defines no CI role",
  why:
    "The deploy role is denied changing the CI roles (it could otherwise widen its own rights), " +
    "so a CI role in a stage stack makes CI's apply stop with AccessDenied halfway, and a stage " +
    "stack that could change it would let CI grant itself anything.",
  fix:
    "define CI roles (GitHub OIDC trust, <prefix>-ci-* names), their policies and the GitHub OIDC " +
    "provider in the shared or bootstrap-<stage> stack (stacks/constructs/ci-roles.ts), never in a stage stack",
  appliesTo: (element, context) =>
    context.stage !== undefined &&
    element.kind === "resource" &&
    (element.type === "aws_iam_role" ||
      element.type === "aws_iam_openid_connect_provider" ||
      ROLE_POLICY_TYPES.has(element.type)),
  check: (element) => {
    if (element.type === "aws_iam_role") return roleProblems(element);
    if (element.type === "aws_iam_openid_connect_provider") {
      const url = element.attributes.url;
      return typeof url === "string" && url.toLowerCase().includes(GITHUB_OIDC_HOST)
        ? [`the GitHub OIDC provider (${url}) belongs to the shared or bootstrap stack`]
        : [];
    }
    const role = element.attributes.role;
    return isLiteralCiRoleName(role) ? [`puts a policy on the CI role "${role}"`] : [];
  },
};
