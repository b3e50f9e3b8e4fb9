import { isNonEmptyString } from "../attributes";
import type { GuardrailRule } from "../rule";

/** ALC005: traffic reaches the function only through the alias, and publicly only on purpose. */
export const functionUrlOnAlias: GuardrailRule = {
  id: "ALC005",
  title:
    "Every Function URL is bound to an alias, and public (NONE) only where the stage config says so",
  why:
    "A URL on $LATEST bypasses the alias, so CodeDeploy's traffic shifting and rollback never " +
    "apply to it; an unauthenticated endpoint must be a decision written in the stage config.",
  fix:
    "set qualifier to the alias name (alias.name); for authorizationType NONE declare " +
    'function.url = { authType: "NONE", publicReason } in the stage config, otherwise use AWS_IAM',
  appliesTo: (element) =>
    element.kind === "resource" &&
    (element.type === "aws_lambda_function_url" || element.type === "aws_lambda_permission"),
  check: (element, context) => {
    const problems: string[] = [];
    const publicAuth =
      element.type === "aws_lambda_function_url"
        ? element.attributes.authorization_type
        : element.attributes.function_url_auth_type;
    if (publicAuth === "NONE" && !context.publicFunctionUrl) {
      problems.push(
        `${element.type === "aws_lambda_function_url" ? "authorization_type" : "function_url_auth_type"} is NONE ` +
          `but the stage config of ${context.stage ?? "this stack"} does not declare a public Function URL`,
      );
    }
    if (element.type !== "aws_lambda_function_url") return problems;
    const qualifier = element.attributes.qualifier;
    if (!isNonEmptyString(qualifier)) {
      problems.push("qualifier is not set: the URL serves $LATEST, not an alias");
    } else if (qualifier === "$LATEST") {
      problems.push('qualifier is "$LATEST", not an alias');
    } else if (/^\d+$/.test(qualifier)) {
      problems.push(`qualifier "${qualifier}" is a version number, not an alias`);
    }
    return problems;
  },
};
