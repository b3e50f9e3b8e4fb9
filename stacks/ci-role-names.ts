/**
 * Names and ARNs of the CI roles, without the provider bindings: the constructs, the workflows'
 * `tools/ci/stage-info.ts` and the deploy preflight (which must refuse fast) all read them here.
 */
export function planRoleName(resourcePrefix: string): string {
  return `${resourcePrefix}-ci-plan`;
}
export function deployRoleName(resourcePrefix: string): string {
  return `${resourcePrefix}-ci-deploy`;
}
/** Matches every CI role of one stage (and no other stage's: the prefix ends before `-ci-`). */
export function ciRoleNamePattern(resourcePrefix: string): string {
  return `${resourcePrefix}-ci-*`;
}
export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}
