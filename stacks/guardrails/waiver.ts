/**
 * Waivers: a written, reviewed exception to one rule for one resource. A waiver lives in code next
 * to the resource it excuses, so it shows up in the pull request that adds it, and the guardrails
 * print it at every synth so it stays visible afterwards.
 */
import { TerraformElement, TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import { isRuleId, RULE_IDS, type RuleId } from "./rule";

/** Metadata type under which {@link waive} records a waiver on the construct node. */
export const WAIVER_METADATA_TYPE = "agnostic-lambda-core:guardrail-waiver";

export interface Waiver {
  readonly ruleId: RuleId;
  readonly reason: string;
}

/** A waiver that cannot be accepted: unknown rule, no reason, or not placed on one resource. */
export class WaiverError extends Error {
  override readonly name = "WaiverError";
}

/**
 * Excuses `element` (one resource, data source or provider) from rule `ruleId`. The waiver applies
 * to that element only, never to its children or siblings: waiving on a construct that groups
 * several resources is refused, so one waiver can never silence a whole subtree. The reason is
 * printed at every synth.
 *
 * @example
 * waive(this.publicUrlPermissions[1], "ALC012", "Provider 5.x cannot scope lambda:InvokeFunction to the Function URL (ticket OPS-42)");
 */
export function waive(element: IConstruct, ruleId: string, reason: string): void {
  if (!isRuleId(ruleId)) {
    throw new WaiverError(
      `waive(${element.node.path}): unknown rule "${ruleId}"; expected one of ${RULE_IDS.join(", ")}`,
    );
  }
  if (typeof reason !== "string" || reason.trim().length === 0) {
    throw new WaiverError(
      `waive(${element.node.path}, "${ruleId}"): a waiver needs a written reason saying why the rule does not apply`,
    );
  }
  // A stack is accepted for the whole-stack findings (ALC007's missing deployment group,
  // ALC011's missing provider); it does not extend to the stack's resources.
  if (!TerraformElement.isTerraformElement(element) && !TerraformStack.isStack(element)) {
    throw new WaiverError(
      `waive(${element.node.path}, "${ruleId}"): waive one resource, data source or provider (or a stack for a whole-stack finding), not a construct that groups several`,
    );
  }
  const waiver: Waiver = { ruleId, reason: reason.trim() };
  element.node.addMetadata(WAIVER_METADATA_TYPE, waiver);
}

/** The waivers recorded on exactly this construct (not inherited from its scopes). */
export function waiversOf(construct: IConstruct): readonly Waiver[] {
  return construct.node.metadata
    .filter((entry) => entry.type === WAIVER_METADATA_TYPE)
    .map((entry) => entry.data as Waiver);
}
