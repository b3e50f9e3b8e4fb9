import { App, Aspects, TerraformStack } from "cdktf";
import {
  BootstrapStack,
  stagesCreatingOidcProvider,
  stagesNeedingBootstrap,
} from "./bootstrap-stack";
import {
  type ConfigProblem,
  configurationProblems,
  isStageName,
  PROJECT,
  STAGE_NAMES,
  STAGES,
  type StageConfig,
  StageConfigError,
  type StageName,
  selectImage,
  unknownStageProblem,
} from "./config";
import {
  type AppliedWaiver,
  applyGuardrails,
  type GuardrailOptions,
  Guardrails,
  guardrailOptionsFor,
} from "./guardrails/index";
import { SharedStack } from "./shared-stack";
import { StageStack } from "./stage-stack";

export interface BuildAppOptions {
  /** @default `$CDKTF_OUTDIR` (set by the cdktf CLI), else "cdktf.out" */
  readonly outdir?: string;
  /**
   * Where `IMAGE_TAG`, `IMAGE_DIGEST` and `SHARED_STATE_BOOTSTRAP` are read from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default every stage */
  readonly stages?: readonly StageName[];
  /**
   * Replaces the configuration of some stages (tests, forks trying a change); validated like the
   * built-in ones. @default the configurations in `stacks/config.ts`
   */
  readonly stageConfigs?: Partial<Readonly<Record<StageName, StageConfig>>>;
  /**
   * The synth-time guardrails (stacks/guardrails): a stack that breaks a rule fails synth.
   * Only the guardrails benchmark turns them off, to measure what they cost.
   * @default true
   */
  readonly guardrails?: boolean;
}

/**
 * The CDKTF app: the `shared` bootstrap stack and one stack per stage (ids `dev`, `test`,
 * `prod`). Every stage's configuration is validated first, so a bad value stops synth with one
 * {@link StageConfigError} naming every stage and field at fault, before any stack is built.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const env = options.env ?? process.env;
  const stageNames: readonly string[] = options.stages ?? STAGE_NAMES;
  // Every stage is checked, not only the ones synthesized: a fork sees all its mistakes at once.
  const problems: ConfigProblem[] = stageNames
    .filter((stage) => !isStageName(stage))
    .map(unknownStageProblem);
  const allConfigs = STAGE_NAMES.map((stage): StageConfig => {
    const replaced = options.stageConfigs?.[stage];
    if (replaced && replaced.stage !== stage) {
      problems.push({
        stage,
        field: "stage",
        message: `must equal the stage it configures, got "${replaced.stage}"`,
      });
    }
    return replaced ?? STAGES[stage];
  });
  problems.push(...configurationProblems(allConfigs));
  if (problems.length > 0) throw new StageConfigError(problems);
  const configs = allConfigs.filter((config) => stageNames.includes(config.stage));
  const image = selectImage(env);

  // Left undefined, App honours the cdktf CLI's CDKTF_OUTDIR (`cdktf synth --output`).
  const app = new App(options.outdir ? { outdir: options.outdir } : {});
  // Waivers are not printed one by one while synthesizing (tests synthesize the app dozens of
  // times): `npm run synth` counts them afterwards (see {@link synthesizedStacks}).
  const guard =
    options.guardrails === false
      ? () => {}
      : (stack: TerraformStack, guardOptions: GuardrailOptions) =>
          applyGuardrails(stack, { ...guardOptions, report: () => {} });
  const shared = new SharedStack(app, "shared", {
    stages: allConfigs,
    bootstrap: env.SHARED_STATE_BOOTSTRAP === "1" || env.SHARED_STATE_BOOTSTRAP === "true",
  });
  guard(shared, { accountId: PROJECT.shared.account.id });
  // The CI roles and boundary of every stage outside the shared account (and its account's
  // GitHub OIDC provider, once per account).
  const providerStages = new Set(stagesCreatingOidcProvider(allConfigs).map((c) => c.stage));
  for (const config of stagesNeedingBootstrap(allConfigs)) {
    const bootstrap = new BootstrapStack(app, `bootstrap-${config.stage}`, {
      config,
      createOidcProvider: providerStages.has(config.stage),
    });
    guard(bootstrap, { accountId: config.account.id });
  }
  for (const config of configs) {
    const stage = new StageStack(app, config.stage, { config, image });
    guard(stage, guardrailOptionsFor(config));
  }
  return app;
}

/** One synthesized stack of the app, with the guardrail waivers applied to it. */
export interface SynthesizedStackSummary {
  readonly id: string;
  readonly appliedWaivers: readonly AppliedWaiver[];
}

/** The app's stacks in the order they were added, each with its applied waivers (after synth). */
export function synthesizedStacks(app: App): SynthesizedStackSummary[] {
  return app.node.children.filter(TerraformStack.isStack).map((stack) => ({
    id: stack.node.id,
    appliedWaivers: Aspects.of(stack)
      .all.filter((aspect): aspect is Guardrails => aspect instanceof Guardrails)
      .flatMap((guardrails) => guardrails.appliedWaivers),
  }));
}
