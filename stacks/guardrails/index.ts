/**
 * Synth-time guardrails: CDKTF Aspects that refuse a stack breaking a rule of the table in
 * `rules/index.ts`, with a message naming the resource, the rule and the fix.
 */
export {
  type AppliedWaiver,
  applyGuardrails,
  type GuardrailOptions,
  Guardrails,
  guardrailOptionsFor,
  type Violation,
  violationMessage,
} from "./guardrails";
export { actionExists, hasNoResourceType, iamAction } from "./iam-actions";
export { RESOURCE_STAR_DECISIONS } from "./iam-policy";
export { type GuardrailRule, isRuleId, RULE_IDS, type RuleId } from "./rule";
export { RULES } from "./rules/index";
export { type Waiver, WaiverError, waive, waiversOf } from "./waiver";
