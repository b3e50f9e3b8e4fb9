import { describe, expect, it } from "vitest";
import { changeKind, renderSummary, SUMMARY_TITLE, summarizePlan } from "../summary";
import { makeChange, makePlan } from "./support/plans";

describe("changeKind", () => {
  it.each([
    [["create"], "add"],
    [["update"], "change"],
    [["delete", "create"], "replace"],
    [["create", "delete"], "replace"],
    [["delete"], "destroy"],
    [["forget"], "forget"],
    [["no-op"], undefined],
    [["read"], undefined],
  ] as const)("maps %j to %s", (actions, expected) => {
    expect(changeKind(actions)).toBe(expected);
  });
});

describe("summarizePlan", () => {
  it("counts each kind of change and skips data sources and no-ops", () => {
    const plan = makePlan([
      makeChange("aws_sns_topic.a", ["create"]),
      makeChange("aws_sns_topic.b", ["create"]),
      makeChange("aws_lambda_function.f", ["update"]),
      makeChange("aws_sns_topic_subscription.s", ["delete", "create"]),
      makeChange("aws_lambda_permission.p", ["delete"]),
      makeChange("aws_kms_key.k", ["no-op"]),
      makeChange("data.aws_caller_identity.c", ["read"], { mode: "data" }),
    ]);

    const summary = summarizePlan("dev", plan);

    expect(summary.counts).toEqual({ add: 2, change: 1, replace: 1, destroy: 1, forget: 0 });
    expect(summary.destructive.map((change) => [change.kind, change.address])).toEqual([
      ["replace", "aws_sns_topic_subscription.s"],
      ["destroy", "aws_lambda_permission.p"],
    ]);
  });

  it("lists IAM and security-group changes, including rules of either kind", () => {
    const plan = makePlan([
      makeChange("aws_iam_role.r", ["update"]),
      makeChange("aws_iam_role_policy.p", ["create"]),
      makeChange("aws_security_group.sg", ["delete"]),
      makeChange("aws_security_group_rule.in", ["create"]),
      makeChange("aws_vpc_security_group_ingress_rule.https", ["delete", "create"]),
      makeChange("aws_iam_role.unchanged", ["no-op"]),
      makeChange("aws_lambda_function.f", ["update"]),
    ]);

    const summary = summarizePlan("test", plan);

    expect(summary.iam.map((change) => change.address)).toEqual([
      "aws_iam_role.r",
      "aws_iam_role_policy.p",
    ]);
    expect(summary.securityGroups.map((change) => change.address)).toEqual([
      "aws_security_group.sg",
      "aws_security_group_rule.in",
      "aws_vpc_security_group_ingress_rule.https",
    ]);
  });

  it("names the attributes that force a replacement", () => {
    const plan = makePlan([
      makeChange("aws_sns_topic_subscription.s", ["delete", "create"], {
        replacePaths: [["endpoint"], ["redrive_policy", 0, "target"]],
      }),
    ]);

    const [replaced] = summarizePlan("prod", plan).destructive;

    expect(replaced?.forcedBy).toEqual(["endpoint", "redrive_policy[0].target"]);
  });
});

describe("renderSummary", () => {
  it("warns at the top when prod replaces or destroys, listing every address", () => {
    const plans = [
      { stage: "dev", plan: makePlan([makeChange("aws_sns_topic.a", ["create"])]) },
      {
        stage: "prod",
        plan: makePlan([
          makeChange("aws_sns_topic_subscription.s", ["delete", "create"], {
            replacePaths: [["endpoint"]],
          }),
          makeChange("aws_lambda_permission.p", ["delete"]),
        ]),
      },
    ];

    const markdown = renderSummary(plans);

    const [title, , warning, message, first, second] = markdown.split("\n");
    expect(title).toBe(SUMMARY_TITLE);
    expect(warning).toBe("> [!WARNING]");
    expect(message).toContain("**prod** will replace 1 and destroy 1 resource(s)");
    expect(first).toBe("> - **REPLACE** `aws_sns_topic_subscription.s` (forced by `endpoint`)");
    expect(second).toBe("> - **DESTROY** `aws_lambda_permission.p`");
  });

  it("does not warn at the top for destructive changes outside prod, but still flags them", () => {
    const plans = [{ stage: "dev", plan: makePlan([makeChange("aws_sns_topic.a", ["delete"])]) }];

    const markdown = renderSummary(plans);

    expect(markdown).not.toContain("[!WARNING]");
    expect(markdown).toContain("- **DESTROY** `aws_sns_topic.a`");
  });

  it("says a stage without changes in one line and leaves it out of the table", () => {
    const plans = [
      { stage: "test", plan: makePlan([makeChange("aws_sns_topic.a", ["no-op"])]) },
      { stage: "dev", plan: makePlan([makeChange("aws_sns_topic.a", ["create"])]) },
    ];

    const markdown = renderSummary(plans);

    const testLines = markdown.split("\n").filter((line) => line.includes("test"));
    expect(testLines).toEqual(["**test**: no changes. Infrastructure matches the configuration."]);
    expect(markdown).toContain("| dev | 1 | 0 | 0 | 0 |");
  });

  it("orders stages dev, test, prod whatever order the plans come in", () => {
    const plan = makePlan([makeChange("aws_sns_topic.a", ["create"])]);
    const plans = ["prod", "shared", "dev", "test"].map((stage) => ({ stage, plan }));

    const headings = renderSummary(plans)
      .split("\n")
      .filter((line) => line.startsWith("### "));

    expect(headings).toEqual(["### dev", "### test", "### prod", "### shared"]);
  });

  it("cuts long lists with a count of what was left out", () => {
    const changes = Array.from({ length: 5 }, (_, index) =>
      makeChange(`aws_sns_topic.t${index}`, ["delete"]),
    );

    const markdown = renderSummary([{ stage: "dev", plan: makePlan(changes) }], { maxListed: 2 });

    expect(markdown).toContain("- … and 3 more");
    expect(markdown).not.toContain("aws_sns_topic.t2");
  });

  it("raises a caution for a plan that stopped on an error", () => {
    const plans = [{ stage: "test", plan: makePlan([], { errored: true }) }];

    expect(renderSummary(plans)).toContain(
      "> **test**: Terraform stopped planning on an error; this plan is incomplete.",
    );
  });

  it("rejects two plans for one stage", () => {
    const plan = makePlan([]);

    expect(() =>
      renderSummary([
        { stage: "dev", plan },
        { stage: "dev", plan },
      ]),
    ).toThrow('stage "dev" was given more than one plan');
  });
});

describe("renderSummary with expected stages", () => {
  it("points out an expected stage that has no plan", () => {
    const plans = [{ stage: "dev", plan: makePlan([]) }];

    const markdown = renderSummary(plans, { expectedStages: ["dev", "test"] });

    expect(markdown).toContain("> **test**: no plan. Its plan job failed or was skipped");
    expect(markdown).not.toContain("> **dev**: no plan");
  });
});
