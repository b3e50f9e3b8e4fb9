/**
 * ALC013 on the real app: the CI roles live in the stacks an administrator applies (`shared`,
 * `bootstrap-<stage>`), which the rule leaves alone; a real stage stack passes, and the same
 * stage stack with the real CI roles added refuses to synthesize, naming each role and the rule.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { type App, Aspects, TerraformStack } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../app";
import { ciRolesPropsFor } from "../bootstrap-stack";
import { getStageConfig, STAGE_NAMES, type StageName } from "../config";
import { CiRoles } from "../constructs/ci-roles";
import { Guardrails } from "../guardrails/index";
import { synthError } from "./guardrail-fixtures";

const outdirs: string[] = [];
afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

function realApp(stages?: readonly StageName[]): App {
  // Set by the cdktf CLI only; a stray value would turn synth errors into a silent pass.
  delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  const outdir = mkdtempSync(join(tmpdir(), "guardrails-ci-roles-"));
  outdirs.push(outdir);
  return buildApp({ outdir, env: {}, ...(stages ? { stages } : {}) });
}

function stackNamed(app: App, name: string): TerraformStack {
  const stack = app.node.tryFindChild(name);
  if (!TerraformStack.isStack(stack)) throw new Error(`the app has no stack "${name}"`);
  return stack;
}

function alc013ViolationsOf(stack: TerraformStack): string[] {
  return Aspects.of(stack)
    .all.filter((aspect) => aspect instanceof Guardrails)
    .flatMap((guardrails) => guardrails.violations)
    .filter((violation) => violation.ruleId === "ALC013")
    .map((violation) => violation.path);
}

function ciRoleNamesIn(stack: TerraformStack): string[] {
  return stack.node
    .findAll()
    .filter((node) => node instanceof IamRole)
    .map((role) => String((role as IamRole).nameInput))
    .filter((name) => /-ci-(plan|deploy)$/.test(name));
}

describe("ALC013 on the real app", () => {
  it("leaves the shared and bootstrap stacks, which hold every stage's CI roles, unflagged", () => {
    const app = realApp();

    const error = synthError(app);

    expect(error).toBeUndefined();
    const holders = app.node.children
      .filter((child) => TerraformStack.isStack(child))
      .filter((stack) => stack.node.id === "shared" || stack.node.id.startsWith("bootstrap-"));
    // Both CI roles of every stage exist somewhere the rule does not apply.
    expect(holders.flatMap(ciRoleNamesIn)).toHaveLength(2 * STAGE_NAMES.length);
    expect(holders.flatMap(alc013ViolationsOf)).toEqual([]);
  });

  it.each(STAGE_NAMES)("passes the real %s stage stack, which defines no CI role", (stage) => {
    const app = realApp([stage]);

    expect(synthError(app)).toBeUndefined();
    expect(ciRoleNamesIn(stackNamed(app, stage))).toEqual([]);
    expect(alc013ViolationsOf(stackNamed(app, stage))).toEqual([]);
  });

  it.each(STAGE_NAMES)(
    "refuses the real %s stage stack once the stage's CI roles are added to it",
    (stage) => {
      const app = realApp([stage]);
      const roles = new CiRoles(
        stackNamed(app, stage),
        "ci-roles",
        ciRolesPropsFor(getStageConfig(stage)),
      );

      const error = synthError(app);

      for (const role of [roles.planRole, roles.deployRole]) {
        expect(error).toContain(`[${role.node.path}] [ALC013] A stage stack defines no CI role: `);
      }
      expect(error).toContain(
        "trusts the GitHub OIDC provider (token.actions.githubusercontent.com)",
      );
      expect(alc013ViolationsOf(stackNamed(app, stage)).sort()).toEqual([
        `${stage}/ci-roles/deploy-role`,
        `${stage}/ci-roles/plan-role`,
      ]);
    },
  );
});
