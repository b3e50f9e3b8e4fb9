/**
 * The guardrails as a CDKTF Aspect: at synth, every resource, data source and provider of the
 * stack is checked against the rule table, and each violation becomes an error annotation on
 * that resource. CDKTF refuses to write a stack that carries an error annotation:
 * - `npm run synth` (`tsx main.ts` → `app.synth()`) throws "Encountered Annotations with level
 *   ERROR: [<path>] [ALC00x] ...", so the process exits non-zero;
 * - `cdktf synth|diff|deploy` runs the app with CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS set,
 *   prints every annotation itself (`ERROR [<path>]: [ALC00x] ...`) and then fails.
 */
import {
  AnnotationMetadataEntryType,
  Annotations,
  Aspects,
  type IAspect,
  TerraformElement,
  TerraformStack,
} from "cdktf";
import type { IConstruct } from "constructs";
import type { StageConfig, StageName } from "../config";
import { isTaggable, kindOf, StackElements, typeOf } from "./element-view";
import type { GuardrailRule, RuleContext, RuleId, StackView } from "./rule";
import { RULES } from "./rules/index";
import { type Waiver, waiversOf } from "./waiver";

export interface GuardrailOptions {
  /**
   * The stage the stack deploys. Stage-only rules (ALC007-ALC009, ALC013) use it, and ALC010 checks the
   * `stage` tag against it.
   * @default undefined: a stack of no stage (the shared bootstrap stack); stage-only rules skip it
   */
  readonly stage?: StageName;
  /**
   * Whether the stage config declares a public (`authType: "NONE"`) Function URL.
   * @default false: any `NONE` Function URL is a violation
   */
  readonly publicFunctionUrl?: boolean;
  /**
   * The only account the stack may run in; ALC011 requires `allowed_account_ids` to be exactly it.
   * @default undefined: any non-empty `allowed_account_ids` passes
   */
  readonly accountId?: string;
  /** @default RULES (every rule) */
  readonly rules?: readonly GuardrailRule[];
  /**
   * Where applied waivers are printed at synth (one line each), besides the warning annotation
   * that `manifest.json` keeps.
   * @default stderr, except under the cdktf CLI, which prints the warning annotation itself
   */
  readonly report?: (line: string) => void;
}

/** The options for a stage stack, straight from its validated stage config. */
export function guardrailOptionsFor(config: StageConfig): GuardrailOptions {
  return {
    stage: config.stage,
    publicFunctionUrl: config.function.url.authType === "NONE",
    accountId: config.account.id,
  };
}

/** A rule broken by one resource (or by the stack as a whole). */
export interface Violation {
  readonly ruleId: RuleId;
  readonly path: string;
  readonly problems: readonly string[];
  /** The full text of the error annotation. */
  readonly message: string;
}

export interface AppliedWaiver extends Waiver {
  readonly path: string;
  /** What the rule would have reported without the waiver. */
  readonly problems: readonly string[];
}

/**
 * `npm run synth` (tsx main.ts) prints no annotations, so waivers go to stderr. The cdktf CLI
 * runs the app with CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS and prints every annotation as
 * `WARN [<path>]: ...` itself; a second copy would show up there labelled as an error.
 */
function printUnlessCdktfCli(line: string): void {
  if (process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS === undefined) console.warn(line);
}

/** The text of an error annotation: rule id, what is wrong, how to fix it. */
export function violationMessage(rule: GuardrailRule, problems: readonly string[]): string {
  return (
    `[${rule.id}] ${rule.title}: ${problems.join("; ")}. Fix: ${rule.fix}. ` +
    `(To accept the risk for this resource only: waive(resource, "${rule.id}", "<written reason>").)`
  );
}

export class Guardrails implements IAspect {
  /** Every violation found so far (also added as error annotations). */
  readonly violations: Violation[] = [];
  /** Every waiver that excused a violation. */
  readonly appliedWaivers: AppliedWaiver[] = [];
  private readonly rules: readonly GuardrailRule[];
  private readonly report: (line: string) => void;
  private readonly stacks = new WeakMap<
    TerraformStack,
    { elements: StackElements; context: RuleContext }
  >();
  // Aspects run again on every synth of the same tree (Testing.synth, then app.synth): the
  // annotations of the first run are still on the nodes, so each node is checked once.
  private readonly visited = new WeakSet<IConstruct>();

  constructor(private readonly options: GuardrailOptions = {}) {
    this.rules = options.rules ?? RULES;
    this.report = options.report ?? printUnlessCdktfCli;
  }

  visit(node: IConstruct): void {
    const isStack = TerraformStack.isStack(node);
    if (!isStack && !TerraformElement.isTerraformElement(node)) return;
    if (this.visited.has(node)) return;
    this.visited.add(node);
    if (isStack) {
      this.visitStack(node);
      return;
    }
    const kind = kindOf(node);
    if (!kind) return;
    const { elements, context } = this.stackOf(node.cdktfStack);
    const summary = { kind, type: typeOf(node), taggable: isTaggable(node) };
    const rules = this.rules.filter((rule) => rule.appliesTo(summary, context));
    const waivers = waiversOf(node);
    if (rules.length === 0 && waivers.length === 0) return;
    const view = rules.length > 0 ? elements.viewOf(node) : undefined;
    const results = rules.map((rule) => ({
      rule,
      problems: view ? rule.check(view, context) : [],
    }));
    this.settle(node, results, waivers, `${summary.type} resources`);
  }

  private visitStack(stack: TerraformStack): void {
    const { context } = this.stackOf(stack);
    const results = this.rules
      .filter((rule) => rule.checkStack !== undefined)
      .map((rule) => ({ rule, problems: rule.checkStack?.(context) ?? [] }));
    this.settle(stack, results, waiversOf(stack), "a whole stack");
  }

  private settle(
    node: IConstruct,
    results: readonly { rule: GuardrailRule; problems: readonly string[] }[],
    waivers: readonly Waiver[],
    appliesTo: string,
  ): void {
    const path = node.node.path;
    for (const { rule, problems } of results) {
      const waiver = waivers.find((candidate) => candidate.ruleId === rule.id);
      if (problems.length === 0) {
        if (waiver) {
          warn(
            node,
            `[${rule.id}] unused waiver: the resource complies, remove waive(..., "${rule.id}", ...)`,
          );
        }
        continue;
      }
      if (waiver) {
        this.appliedWaivers.push({ ...waiver, path, problems });
        const line = `[${rule.id}] WAIVED for ${path}: ${waiver.reason} (would fail: ${problems.join("; ")})`;
        warn(node, line);
        this.report(`guardrails: ${line}`);
        recordWaiverInConfiguration(node, rule.id, waiver.reason);
        continue;
      }
      const message = violationMessage(rule, problems);
      this.violations.push({ ruleId: rule.id, path, problems, message });
      Annotations.of(node).addError(message);
    }
    for (const waiver of waivers) {
      if (!results.some(({ rule }) => rule.id === waiver.ruleId)) {
        warn(node, `[${waiver.ruleId}] unused waiver: the rule does not check ${appliesTo}`);
      }
    }
  }

  /** The element views and the rule context of one stack, made once. */
  private stackOf(stack: TerraformStack): { elements: StackElements; context: RuleContext } {
    let entry = this.stacks.get(stack);
    if (!entry) {
      const elements = new StackElements(stack);
      const { stage, publicFunctionUrl = false, accountId } = this.options;
      const context: RuleContext = {
        stage,
        publicFunctionUrl,
        accountId,
        // Computed on first use: most rules never look beyond their own resource.
        get stack(): StackView {
          return elements.facts();
        },
      };
      entry = { elements, context };
      this.stacks.set(stack, entry);
    }
    return entry;
  }
}

/**
 * A warning annotation, as `Annotations.of(node).addWarning` writes it but without the stack
 * trace: warnings are written on every successful synth (applied waivers), where capturing and
 * source-mapping a trace costs more than all the checks of a stack, and the trace would point
 * into the guardrails rather than to the resource. Errors keep going through `Annotations`.
 */
function warn(node: IConstruct, message: string): void {
  node.node.addMetadata(AnnotationMetadataEntryType.WARN, message);
}

/**
 * Writes the waiver into the element's `//` comment block of `cdk.tf.json` (Terraform ignores
 * `//` keys), so whoever reads the synthesized configuration sees it too.
 */
function recordWaiverInConfiguration(node: IConstruct, ruleId: RuleId, reason: string): void {
  if (TerraformElement.isTerraformElement(node)) {
    node.addOverride(`//.guardrail_waivers.${ruleId}`, reason);
  }
}

/**
 * Adds the guardrails to `stack` and returns the aspect (its `violations` and `appliedWaivers`
 * are filled in at synth).
 *
 * @example
 * applyGuardrails(stageStack, guardrailOptionsFor(config));
 */
export function applyGuardrails(stack: TerraformStack, options: GuardrailOptions = {}): Guardrails {
  const guardrails = new Guardrails(options);
  Aspects.of(stack).add(guardrails);
  return guardrails;
}
