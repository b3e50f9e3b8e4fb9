/**
 * The part of `terraform show -json <planfile>` that the summary reads, and the check that turns
 * an arbitrary parsed JSON value into it. Only the fields used are typed; everything else in the
 * plan (prior state, configuration, ...) is carried along untouched.
 *
 * Format reference: Terraform's "JSON Output Format" (format_version 1.x).
 */

/** Terraform's per-resource actions. A replacement is `["delete","create"]` or `["create","delete"]`. */
export type PlanAction = "no-op" | "create" | "read" | "update" | "delete" | "forget";

export interface ResourceChange {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  /** Why Terraform chose this action, e.g. `replace_because_cannot_update`. */
  readonly action_reason?: string;
  readonly change: {
    readonly actions: readonly PlanAction[];
    /** Attribute paths that force the replacement, e.g. `[["name"]]`. */
    readonly replace_paths?: readonly (readonly (string | number)[])[];
  };
}

export interface TerraformPlan {
  readonly format_version: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  /** Terraform 1.6+: true when planning stopped on an error (the plan is then incomplete). */
  readonly errored?: boolean;
  readonly configuration?: unknown;
}

/** A plan file that cannot be read or is not `terraform show -json` output; names the file. */
export class PlanFileError extends Error {
  override readonly name = "PlanFileError";
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

const ACTIONS: readonly string[] = ["no-op", "create", "read", "update", "delete", "forget"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses the text of a `terraform show -json` plan and checks the fields the summary relies on.
 * Throws {@link PlanFileError} naming `file` and what is wrong.
 */
export function parsePlan(text: string, file: string): TerraformPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlanFileError(
      file,
      `is not valid JSON (${(error as Error).message}); expected the output of "terraform show -json <planfile>"`,
    );
  }
  return validatePlan(value, file);
}

/** Checks an already parsed value; see {@link parsePlan}. */
export function validatePlan(value: unknown, file: string): TerraformPlan {
  if (!isRecord(value)) {
    throw new PlanFileError(file, "is not a JSON object; expected a terraform show -json plan");
  }
  if (typeof value.format_version !== "string") {
    throw new PlanFileError(
      file,
      'has no "format_version"; expected the output of "terraform show -json <planfile>"',
    );
  }
  if (!value.format_version.startsWith("1.")) {
    throw new PlanFileError(
      file,
      `has format_version "${value.format_version}"; only the 1.x plan format is supported`,
    );
  }
  if (!("planned_values" in value) && !("resource_changes" in value)) {
    throw new PlanFileError(
      file,
      "is a state, not a plan (no planned_values or resource_changes); run terraform show -json on the plan file",
    );
  }
  const changes = value.resource_changes;
  if (changes !== undefined && !Array.isArray(changes)) {
    throw new PlanFileError(file, '"resource_changes" must be an array');
  }
  (changes ?? []).forEach((change: unknown, index: number) => {
    const where = `resource_changes[${index}]`;
    if (!isRecord(change) || typeof change.address !== "string") {
      throw new PlanFileError(file, `${where} has no "address"`);
    }
    if (typeof change.type !== "string" || (change.mode !== "managed" && change.mode !== "data")) {
      throw new PlanFileError(file, `${where} (${change.address}) has no valid "type" and "mode"`);
    }
    const actions = isRecord(change.change) ? change.change.actions : undefined;
    if (
      !Array.isArray(actions) ||
      actions.length === 0 ||
      !actions.every((action) => typeof action === "string" && ACTIONS.includes(action))
    ) {
      throw new PlanFileError(
        file,
        `${where} (${change.address}) has no valid "change.actions" (expected some of ${ACTIONS.join(", ")})`,
      );
    }
  });
  return value as unknown as TerraformPlan;
}

/**
 * The `stage` tag from the AWS provider's `default_tags` in the plan's configuration, if any.
 * Every stage stack of this project tags its resources that way, so a plan names its own stage.
 */
export function stageFromPlanConfiguration(plan: TerraformPlan): string | undefined {
  const configuration = plan.configuration;
  if (!isRecord(configuration) || !isRecord(configuration.provider_config)) return undefined;
  for (const provider of Object.values(configuration.provider_config)) {
    if (!isRecord(provider) || provider.name !== "aws" || !isRecord(provider.expressions)) continue;
    const defaultTags = provider.expressions.default_tags;
    const blocks = Array.isArray(defaultTags) ? defaultTags : [defaultTags];
    for (const block of blocks) {
      if (!isRecord(block) || !isRecord(block.tags)) continue;
      const constant = block.tags.constant_value;
      if (isRecord(constant) && typeof constant.stage === "string") return constant.stage;
    }
  }
  return undefined;
}
