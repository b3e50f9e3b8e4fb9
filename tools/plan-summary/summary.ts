/**
 * Pure core of the plan summary: parsed `terraform show -json` plans in, Markdown out (no I/O).
 * The Markdown is what a reviewer reads in the pull request's sticky comment.
 */

import type { PlanAction, ResourceChange, TerraformPlan } from "./plan.js";

/** One plan to summarize and the stage (or stack) it belongs to. */
export interface StagePlan {
  readonly stage: string;
  readonly plan: TerraformPlan;
}

export type ChangeKind = "add" | "change" | "replace" | "destroy" | "forget";

export interface ListedChange {
  readonly address: string;
  readonly type: string;
  readonly kind: ChangeKind;
  /** For replacements: the attributes that force it (from `replace_paths`), e.g. `name`. */
  readonly forcedBy: readonly string[];
}

export interface StageSummary {
  readonly stage: string;
  readonly counts: Readonly<Record<ChangeKind, number>>;
  /** Every replacement and deletion, in plan order. */
  readonly destructive: readonly ListedChange[];
  /** Every change to an `aws_iam_*` resource. */
  readonly iam: readonly ListedChange[];
  /** Every change to a security group or security group rule. */
  readonly securityGroups: readonly ListedChange[];
  /** True when Terraform stopped planning on an error. */
  readonly errored: boolean;
}

export interface RenderOptions {
  /** Stages whose replacements and deletions are raised as a warning at the top. @default ["prod"] */
  readonly protectedStages?: readonly string[];
  /** Most entries printed per list before "… and N more" (GitHub caps comments at 65,536 characters). @default 50 */
  readonly maxListed?: number;
  /** Stage display order; stages not listed follow alphabetically. @default ["dev", "test", "prod"] */
  readonly stageOrder?: readonly string[];
  /** Stages that should have a plan; any without one is raised as a caution. @default none */
  readonly expectedStages?: readonly string[];
}

/** First line of the summary (the sticky comment action finds its comment by its own hidden header). */
export const SUMMARY_TITLE = "## Terraform plan summary";

/** Maps Terraform's action list to the one kind a reviewer cares about; `undefined` for no-ops and reads. */
export function changeKind(actions: readonly PlanAction[]): ChangeKind | undefined {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  if (actions.includes("delete")) return "destroy";
  if (actions.includes("create")) return "add";
  if (actions.includes("update")) return "change";
  if (actions.includes("forget")) return "forget";
  return undefined;
}

const isIam = (type: string) => type.startsWith("aws_iam_");
const isSecurityGroup = (type: string) =>
  type.startsWith("aws_security_group") || type.startsWith("aws_vpc_security_group_");

function pathToString(path: readonly (string | number)[]): string {
  return path
    .map((step, index) =>
      typeof step === "number" ? `[${step}]` : index === 0 ? step : `.${step}`,
    )
    .join("");
}

function toListed(change: ResourceChange, kind: ChangeKind): ListedChange {
  return {
    address: change.address,
    type: change.type,
    kind,
    forcedBy: kind === "replace" ? (change.change.replace_paths ?? []).map(pathToString) : [],
  };
}

/** Counts and lists what one plan does. Data sources (reads) are not changes and are skipped. */
export function summarizePlan(stage: string, plan: TerraformPlan): StageSummary {
  const counts: Record<ChangeKind, number> = {
    add: 0,
    change: 0,
    replace: 0,
    destroy: 0,
    forget: 0,
  };
  const destructive: ListedChange[] = [];
  const iam: ListedChange[] = [];
  const securityGroups: ListedChange[] = [];
  for (const change of plan.resource_changes ?? []) {
    if (change.mode !== "managed") continue;
    const kind = changeKind(change.change.actions);
    if (kind === undefined) continue;
    counts[kind] += 1;
    const listed = toListed(change, kind);
    if (kind === "replace" || kind === "destroy") destructive.push(listed);
    if (isIam(change.type)) iam.push(listed);
    if (isSecurityGroup(change.type)) securityGroups.push(listed);
  }
  return { stage, counts, destructive, iam, securityGroups, errored: plan.errored === true };
}

export function hasChanges(summary: StageSummary): boolean {
  return Object.values(summary.counts).some((count) => count > 0);
}

const KIND_LABEL: Record<ChangeKind, string> = {
  add: "create",
  change: "update",
  replace: "**REPLACE**",
  destroy: "**DESTROY**",
  forget: "forget (removed from state, kept in AWS)",
};

function describe(change: ListedChange): string {
  const forced =
    change.forcedBy.length > 0
      ? ` (forced by ${change.forcedBy.map((path) => `\`${path}\``).join(", ")})`
      : "";
  return `${KIND_LABEL[change.kind]} \`${change.address}\`${forced}`;
}

function bulletList(changes: readonly ListedChange[], maxListed: number, prefix = "- "): string[] {
  const lines = changes.slice(0, maxListed).map((change) => `${prefix}${describe(change)}`);
  if (changes.length > maxListed) lines.push(`${prefix}… and ${changes.length - maxListed} more`);
  return lines;
}

function countsLine(summary: StageSummary): string {
  const { add, change, replace, destroy, forget } = summary.counts;
  const parts = [
    `${add} to add`,
    `${change} to change`,
    `${replace} to replace`,
    `${destroy} to destroy`,
  ];
  if (forget > 0) parts.push(`${forget} to forget`);
  return parts.join(", ");
}

function orderStages(summaries: readonly StageSummary[], order: readonly string[]): StageSummary[] {
  const rank = (stage: string) => {
    const index = order.indexOf(stage);
    return index === -1 ? order.length : index;
  };
  return [...summaries].sort(
    (left, right) => rank(left.stage) - rank(right.stage) || left.stage.localeCompare(right.stage),
  );
}

/**
 * Renders the Markdown summary of several stages' plans: warnings first (destructive changes in
 * protected stages, errored plans), then a counts table, one-line notes for stages without
 * changes, and per stage the replacements/deletions, IAM and security-group changes.
 *
 * @example renderSummary([{ stage: "dev", plan }]) // "## Terraform plan summary\n\n| Stage | ..."
 */
export function renderSummary(plans: readonly StagePlan[], options: RenderOptions = {}): string {
  const protectedStages = options.protectedStages ?? ["prod"];
  const maxListed = options.maxListed ?? 50;
  const stageOrder = options.stageOrder ?? ["dev", "test", "prod"];
  const seen = new Set<string>();
  for (const { stage } of plans) {
    if (seen.has(stage)) throw new Error(`stage "${stage}" was given more than one plan`);
    seen.add(stage);
  }
  const summaries = orderStages(
    plans.map(({ stage, plan }) => summarizePlan(stage, plan)),
    stageOrder,
  );

  const lines: string[] = [SUMMARY_TITLE, ""];
  const missing = (options.expectedStages ?? []).filter((stage) => !seen.has(stage));
  for (const stage of missing) {
    lines.push(
      "> [!CAUTION]",
      `> **${stage}**: no plan. Its plan job failed or was skipped; see the workflow run.`,
      "",
    );
  }
  if (summaries.length === 0) {
    lines.push("No plans were given.");
    return `${lines.join("\n")}\n`;
  }

  for (const summary of summaries) {
    if (summary.errored) {
      lines.push(
        "> [!CAUTION]",
        `> **${summary.stage}**: Terraform stopped planning on an error; this plan is incomplete.`,
        "",
      );
    }
    if (protectedStages.includes(summary.stage) && summary.destructive.length > 0) {
      lines.push(
        "> [!WARNING]",
        `> **${summary.stage}** will replace ${summary.counts.replace} and destroy ${summary.counts.destroy} resource(s). Review before merging:`,
        ...bulletList(summary.destructive, maxListed, "> - "),
        "",
      );
    }
  }

  const changed = summaries.filter(hasChanges);
  const unchanged = summaries.filter((summary) => !hasChanges(summary));
  if (changed.length > 0) {
    lines.push(
      "| Stage | Add | Change | Replace | Destroy |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...changed.map(
        ({ stage, counts }) =>
          `| ${stage} | ${counts.add} | ${counts.change} | ${counts.replace} | ${counts.destroy} |`,
      ),
      "",
    );
  }
  for (const summary of unchanged) {
    lines.push(`**${summary.stage}**: no changes. Infrastructure matches the configuration.`, "");
  }

  for (const summary of changed) {
    lines.push(`### ${summary.stage}`, "", `Plan: ${countsLine(summary)}.`, "");
    if (summary.destructive.length > 0) {
      lines.push(
        "Replacements and deletions:",
        "",
        ...bulletList(summary.destructive, maxListed),
        "",
      );
    } else {
      lines.push("Replacements and deletions: none.", "");
    }
    if (summary.iam.length > 0) {
      lines.push("IAM changes:", "", ...bulletList(summary.iam, maxListed), "");
    }
    if (summary.securityGroups.length > 0) {
      lines.push(
        "Security-group changes:",
        "",
        ...bulletList(summary.securityGroups, maxListed),
        "",
      );
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
