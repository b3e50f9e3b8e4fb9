/**
 * The shape of a guardrail rule. A rule is a pure function of a plain view of one Terraform
 * element (its synthesized, resolved configuration) and of the stack around it; the aspect in
 * `guardrails.ts` builds those views from constructs, so no rule touches CDKTF itself.
 */
import type { StageName } from "../config";
import type { NormalizedStatement } from "./iam-policy";

export const RULE_IDS = [
  "ALC001",
  "ALC002",
  "ALC003",
  "ALC004",
  "ALC005",
  "ALC006",
  "ALC007",
  "ALC008",
  "ALC009",
  "ALC010",
  "ALC011",
  "ALC012",
  "ALC013",
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export function isRuleId(value: string): value is RuleId {
  return (RULE_IDS as readonly string[]).includes(value);
}

/** A plain object from the synthesized configuration. */
export type Attributes = Readonly<Record<string, unknown>>;

/** What a rule sees of one resource, data source or provider. */
export interface ElementView {
  readonly kind: "resource" | "data" | "provider";
  /** Terraform type: `aws_sns_topic`, `aws_iam_policy_document`, or the provider name `aws`. */
  readonly type: string;
  /** The construct path, e.g. `prod/alarms/topic`: what the error names. */
  readonly path: string;
  /** The Terraform name (`friendlyUniqueId`) that references such as `${aws_x.<name>.arn}` use. */
  readonly name: string;
  /** Whether the resource type accepts `tags` (and so gets the provider's `default_tags`). */
  readonly taggable: boolean;
  /** The synthesized configuration with every token resolved (overrides included). */
  readonly attributes: Attributes;
  /** The alias of the provider the resource names explicitly, if any. */
  readonly providerAlias: string | undefined;
  /**
   * The statements of the IAM policy held by `attribute` (a JSON string, a `jsonencode` call or a
   * reference to an `aws_iam_policy_document`), or an `unreadable` reason when the policy cannot
   * be proved safe at synth time (which the policy rules treat as a violation: fail closed).
   */
  policyAt(
    attribute: string,
  ): { readonly statements: readonly NormalizedStatement[] } | { readonly unreadable: string };
}

/** Facts about the whole stack that some rules need. */
export interface StackView {
  readonly path: string;
  readonly providers: readonly ElementView[];
  /** Terraform types of every resource in the stack. */
  readonly resourceTypes: ReadonlySet<string>;
  /** Terraform names of the `aws_lambda_function`s that a Function URL serves. */
  readonly functionsServedByUrl: ReadonlySet<string>;
  /** Literal `function_name`s that a Function URL serves (when not given as a reference). */
  readonly functionNamesServedByUrl: ReadonlySet<string>;
}

/** How strict to be: the stage the stack deploys and what its config allows. */
export interface RuleContext {
  /** `undefined` for a stack that belongs to no stage (the shared bootstrap stack). */
  readonly stage: StageName | undefined;
  /** Whether the stage config declares a public (`authType: "NONE"`) Function URL. */
  readonly publicFunctionUrl: boolean;
  /** The one account `allowed_account_ids` must pin, when known. */
  readonly accountId: string | undefined;
  readonly stack: StackView;
}

export interface GuardrailRule {
  readonly id: RuleId;
  /** One line: what must hold. */
  readonly title: string;
  /** Why the rule exists (the "why" column of docs/guardrails.md). */
  readonly why: string;
  /** How to fix a violation. */
  readonly fix: string;
  /** Which elements the rule inspects; cheap, it runs before the configuration is resolved. */
  appliesTo(
    element: Pick<ElementView, "kind" | "type" | "taggable">,
    context: RuleContext,
  ): boolean;
  /** Every way the element breaks the rule, as short sentences; empty when it complies. */
  check(element: ElementView, context: RuleContext): readonly string[];
  /**
   * Optional whole-stack check (something missing rather than something wrong), reported on the
   * stack itself.
   */
  checkStack?(context: RuleContext): readonly string[];
}
