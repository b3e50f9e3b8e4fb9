/**
 * IAM policy documents as typed values, serialised with `JSON.stringify`. The project uses no
 * `aws_iam_policy_document` data sources: the offline plan must not need any lookup, and a plain
 * string shows the exact policy in the plan.
 */

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?:
    | "*"
    | { readonly AWS?: string | readonly string[]; readonly Service?: string };
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | readonly string[]>>>
  >;
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** `arn:aws:iam::<account>:root`: the account itself as a principal (its IAM policies decide). */
export function accountRootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}
