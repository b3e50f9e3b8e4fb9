/**
 * A small evaluator of IAM policy statements for the tests that prove what the CI roles and the
 * stage roles can and cannot do: Allow unless an explicit Deny; `*`/`?` wildcards in actions
 * (case-insensitive) and resources; principals of resource policies; and the condition operators
 * this project writes. An operator it does not know throws, so a new one cannot pass unevaluated.
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Principal?: Record<string, string | string[]> | "*";
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** Request context: condition keys and their values (`aws:PrincipalArn`, `iam:PermissionsBoundary`...). */
export type Context = Readonly<Record<string, string>>;

export const list = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? [...value] : [value as string];

/** IAM's wildcard match: `*` any run of characters, `?` one character. */
export function glob(pattern: string, value: string, ignoreCase = false): boolean {
  return new RegExp(
    `^${pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
      .join("")}$`,
    ignoreCase ? "i" : "",
  ).test(value);
}

export function conditionHolds(condition: Statement["Condition"], context: Context): boolean {
  return Object.entries(condition ?? {}).every(([operator, entries]) =>
    Object.entries(entries).every(([key, expected]) => {
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase());
      const values = list(expected);
      switch (operator) {
        case "StringEquals":
        case "ArnEquals":
          return actual !== undefined && values.includes(actual[1]);
        case "StringNotEquals":
          // True when the key is absent: a Deny with it also refuses a request without the key.
          return actual === undefined || !values.includes(actual[1]);
        case "StringEqualsIfExists":
          return actual === undefined || values.includes(actual[1]);
        case "StringLike":
        case "ArnLike":
          return actual !== undefined && values.some((value) => glob(value, actual[1]));
        case "ArnNotLike":
          return actual === undefined || !values.some((value) => glob(value, actual[1]));
        case "Bool":
          return actual !== undefined && values.includes(actual[1]);
        default:
          throw new Error(`the test evaluator does not know condition operator ${operator}`);
      }
    }),
  );
}

export function statementMatches(
  statement: Statement,
  action: string,
  arn: string,
  context: Context,
): boolean {
  return (
    list(statement.Action).some((pattern) => glob(pattern, action, true)) &&
    list(statement.Resource).some((pattern) => glob(pattern, arn)) &&
    conditionHolds(statement.Condition, context)
  );
}

/** Whether identity-policy statements allow `action` on `arn`: an Allow and no Deny match. */
export function allows(
  statements: readonly Statement[],
  action: string,
  arn: string,
  context: Context = {},
): boolean {
  const matching = statements.filter((s) => statementMatches(s, action, arn, context));
  return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}

/** Whether an identity-policy statement denies `action` on `arn` explicitly. */
export function denies(
  statements: readonly Statement[],
  action: string,
  arn: string,
  context: Context = {},
): boolean {
  return statements.some((s) => s.Effect === "Deny" && statementMatches(s, action, arn, context));
}

/** Whether a resource-policy statement names `principalArn` (exactly, or `*`). */
export function namesPrincipal(statement: Statement, principalArn: string): boolean {
  if (statement.Principal === "*") return true;
  return list(statement.Principal?.AWS).some((p) => p === "*" || p === principalArn);
}

/** The statements of a JSON policy document. */
export function statementsOf(policy: unknown): Statement[] {
  const document = (typeof policy === "string" ? JSON.parse(policy) : policy) as {
    Statement: Statement | Statement[];
  };
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}
