/**
 * The summary of real plans of this project's stacks (offline terraform plan), including a prod
 * plan against a prior state with a replacement and deletions made by changing the config.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { validatePlan } from "../plan";
import { renderSummary, summarizePlan } from "../summary";
import { produceRealPlans, type RealPlans } from "./support/real-plans";

let plans: RealPlans;

beforeAll(async () => {
  plans = await produceRealPlans();
});

function actionsOf(plan: RealPlans[keyof RealPlans], type: string, addressPart = ""): string[][] {
  return plan.resource_changes
    .filter((change) => change.type === type && change.address.includes(addressPart))
    .map((change) => [...change.change.actions]);
}

describe("the plans terraform produced", () => {
  it("plan prod's changed config with a replacement and deletions", () => {
    expect(actionsOf(plans.prodChanged, "aws_sns_topic_subscription")).toEqual([
      ["delete", "create"],
    ]);
    expect(actionsOf(plans.prodChanged, "aws_lambda_permission", "public-url")).toEqual([
      ["delete"],
      ["delete"],
    ]);
  });

  it("plan test against its own applied state as nothing to do", () => {
    const actions = plans.testUnchanged.resource_changes.map((change) => change.change.actions);

    expect(actions.length).toBeGreaterThan(10);
    expect(actions.every((list) => list.length === 1 && list[0] === "no-op")).toBe(true);
  });

  it("are accepted by the plan validator", () => {
    for (const plan of Object.values(plans)) {
      expect(() => validatePlan(plan, "real.json")).not.toThrow();
    }
  });
});

describe("the summary of the real plans", () => {
  it("counts prod's changes: one replacement, two deletions, the URL updated", () => {
    const summary = summarizePlan("prod", validatePlan(plans.prodChanged, "prod"));
    const updated = plans.prodChanged.resource_changes
      .filter((change) => change.change.actions.join() === "update")
      .map((change) => change.type);

    expect(summary.counts).toMatchObject({ add: 0, replace: 1, destroy: 2, forget: 0 });
    expect(summary.counts.change).toBe(updated.length);
    expect(updated).toContain("aws_lambda_function_url");
  });

  it("warns about prod at the top, naming the replaced subscription and why", () => {
    const markdown = renderSummary([
      { stage: "dev", plan: validatePlan(plans.devFromScratch, "dev") },
      { stage: "test", plan: validatePlan(plans.testUnchanged, "test") },
      { stage: "prod", plan: validatePlan(plans.prodChanged, "prod") },
    ]);

    const top = markdown.slice(0, markdown.indexOf("| Stage |"));
    expect(top).toContain("> [!WARNING]");
    expect(top).toMatch(
      /> - \*\*REPLACE\*\* `aws_sns_topic_subscription\.alarms_topic_email-0_[0-9A-F]+` \(forced by `endpoint`\)/,
    );
    expect(top.match(/> - \*\*DESTROY\*\* `aws_lambda_permission\./g)).toHaveLength(2);
    expect(markdown).toContain("**test**: no changes. Infrastructure matches the configuration.");
  });

  it("lists dev's IAM roles and policies (the CI roles live in the bootstrap stacks, not here)", () => {
    const summary = summarizePlan("dev", validatePlan(plans.devFromScratch, "dev"));

    const iam = summary.iam.map((change) => `${change.kind} ${change.type}`);
    expect(iam.filter((entry) => entry === "add aws_iam_role").length).toBeGreaterThanOrEqual(3);
    expect(summary.iam.some((change) => change.address.includes("codedeploy-role"))).toBe(true);
    expect(summary.iam.some((change) => change.address.includes("ci-roles"))).toBe(false);
    expect(summary.destructive).toEqual([]);
  });

  it("is what `npm run plan-summary` prints for the plan files the workflow uploads", () => {
    const directory = mkdtempSync(join(tmpdir(), "plan-summary-e2e-"));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const files = (["dev", "test", "prod"] as const).map((stage) => {
      const file = join(directory, `plan-${stage}.json`);
      const plan =
        stage === "dev"
          ? plans.devFromScratch
          : stage === "test"
            ? plans.testUnchanged
            : plans.prodChanged;
      writeFileSync(file, JSON.stringify(plan));
      return file;
    });

    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", "tools/plan-summary/cli.ts", "--expect", "dev,test,prod", ...files],
      { encoding: "utf8" },
    );

    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      renderSummary(
        [
          { stage: "dev", plan: validatePlan(plans.devFromScratch, "dev") },
          { stage: "test", plan: validatePlan(plans.testUnchanged, "test") },
          { stage: "prod", plan: validatePlan(plans.prodChanged, "prod") },
        ],
        { expectedStages: ["dev", "test", "prod"] },
      ),
    );
    if (process.env.PLAN_SUMMARY_EXAMPLE)
      writeFileSync(process.env.PLAN_SUMMARY_EXAMPLE, result.stdout);
  });
});
