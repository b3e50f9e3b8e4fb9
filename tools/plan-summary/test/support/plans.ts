import type { PlanAction, ResourceChange, TerraformPlan } from "../../plan";

/** A resource change as `terraform show -json` writes it. */
export function makeChange(
  address: string,
  actions: readonly PlanAction[],
  options: { mode?: "managed" | "data"; replacePaths?: (string | number)[][] } = {},
): ResourceChange {
  const [type = "aws_x", name = "x"] = address.split(".");
  return {
    address,
    mode: options.mode ?? "managed",
    type,
    name,
    change: {
      actions,
      ...(options.replacePaths ? { replace_paths: options.replacePaths } : {}),
    },
  };
}

export function makePlan(
  changes: readonly ResourceChange[],
  options: { errored?: boolean } = {},
): TerraformPlan {
  return {
    format_version: "1.2",
    terraform_version: "1.11.4",
    planned_values: { root_module: {} },
    resource_changes: changes,
    errored: options.errored ?? false,
  } as TerraformPlan;
}
