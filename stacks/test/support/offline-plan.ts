/**
 * Offline `terraform plan` of synthesized stacks: no AWS account, no network, no credentials.
 *
 * A synthesized stack is copied into a work directory with an override file (local backend,
 * provider skip flags and dummy credentials, `allowed_account_ids` lifted since no account can be
 * looked up), then `terraform init -plugin-dir <provider mirror>` (found by ./terraform-provider),
 * `validate`, `plan -out` and
 * `show -json` run there. The parsed plan JSON is what tests assert on.
 *
 * - `readStagePlan(stage)`: the plan of one stage, computed once per test run (shared by every
 *   test file and worker through a directory the vitest global setup provides).
 * - `planStackDirectory(dir, { stateFile })`: the lower-level step, e.g. to plan against a prior
 *   state and see replacements or deletions.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildApp } from "../../app";
import { STAGE_NAMES, type StageName } from "../../config";
import { OFFLINE_PLAN_DIRECTORY_KEY } from "./plan-cache";
import {
  type OfflineToolchain,
  ProviderNotFoundError,
  resolveToolchain,
  TerraformNotFoundError,
} from "./terraform-provider";

/** The image every offline plan deploys: a tag and a digest, as a release would pin them. */
export const OFFLINE_PLAN_IMAGE = {
  IMAGE_TAG: "v3.0.0-offline",
  IMAGE_DIGEST: `sha256:${"0123456789abcdef".repeat(4)}`,
} as const;

/** Terraform or the provider is missing: the message says what to install or set. */
export class OfflinePlanSetupError extends Error {
  override readonly name = "OfflinePlanSetupError";
}

/** A terraform command failed; the message carries its output (plans hold no secrets here). */
export class TerraformCommandError extends Error {
  override readonly name = "TerraformCommandError";
}

export type { OfflineToolchain };

let resolvedForThisProcess: OfflineToolchain | undefined;

/**
 * terraform on the PATH and the hashicorp/aws provider, found the way Terraform would find it
 * (see ./terraform-provider: TF_PLUGIN_DIR, the CLI configuration, the implied mirrors, common
 * prefixes, else a registry download into the plugin cache). Resolved once per process for the
 * real environment. Throws {@link OfflinePlanSetupError} saying what to do: the check must
 * fail, never skip.
 */
export function resolveOfflineToolchain(
  env: Readonly<Record<string, string | undefined>> = process.env,
): OfflineToolchain {
  const real = env === process.env;
  if (real && resolvedForThisProcess) return resolvedForThisProcess;
  try {
    const toolchain = resolveToolchain({ env });
    if (real) resolvedForThisProcess = toolchain;
    return toolchain;
  } catch (error) {
    if (error instanceof ProviderNotFoundError || error instanceof TerraformNotFoundError) {
      throw new OfflinePlanSetupError(error.message);
    }
    throw error;
  }
}

/**
 * The override file that makes a synthesized stack plan offline. Terraform merges
 * `*_override.tf.json` files last: the backend block replaces the S3 one, provider arguments
 * replace the stack's (a `null` removes `allowed_account_ids`).
 */
export function offlineOverride(): Record<string, unknown> {
  return {
    terraform: { backend: { local: { path: "terraform.tfstate" } } },
    provider: {
      aws: [
        {
          access_key: "offline-plan",
          secret_key: "offline-plan",
          skip_credentials_validation: true,
          skip_requesting_account_id: true,
          skip_metadata_api_check: true,
          skip_region_validation: true,
          // No account can be looked up offline, so the pin cannot be checked.
          allowed_account_ids: null,
        },
      ],
    },
  };
}

/** The subset of `terraform show -json <plan>` the tests read. */
export interface TerraformPlan {
  readonly format_version: string;
  readonly terraform_version: string;
  readonly resource_changes: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, OutputChange>>;
  readonly configuration: {
    readonly provider_config?: Readonly<Record<string, ProviderConfig>>;
    readonly root_module: unknown;
  };
  readonly prior_state?: unknown;
  readonly errored: boolean;
}

export interface ResourceChange {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly change: {
    readonly actions: readonly ("no-op" | "create" | "read" | "update" | "delete")[];
    readonly before: Readonly<Record<string, unknown>> | null;
    readonly after: Readonly<Record<string, unknown>> | null;
    readonly after_unknown?: Readonly<Record<string, unknown>>;
    readonly replace_paths?: readonly unknown[];
  };
  readonly action_reason?: string;
}

export interface OutputChange {
  readonly actions: readonly string[];
  readonly after?: unknown;
  readonly after_unknown?: boolean;
}

export interface ProviderConfig {
  readonly name: string;
  readonly expressions?: Readonly<Record<string, unknown>>;
}

export interface PlanStackOptions {
  /** A state file to plan against (copied as the local backend's state): shows updates, replacements, deletions. */
  readonly stateFile?: string;
  /** @default a new temporary directory */
  readonly workDirectory?: string;
  /** @default {@link resolveOfflineToolchain}() */
  readonly toolchain?: OfflineToolchain;
  /**
   * A work directory this function already initialized (any stack: they share provider, version
   * constraint and override backend). Its `.terraform` (a symlink into the mirror) and lock file
   * are copied instead of running `terraform init` again, which saves ~2 s of hashing the
   * 700 MB provider binary. @default run `terraform init`
   */
  readonly initializedFrom?: string;
}

export interface StackPlan {
  readonly plan: TerraformPlan;
  readonly workDirectory: string;
  /** Wall time of each terraform step, in milliseconds. */
  readonly timingsMs: {
    readonly init: number;
    readonly validate: number;
    readonly plan: number;
    readonly show: number;
  };
}

/**
 * Plans one synthesized stack directory (the one holding `cdk.tf.json`) offline and returns the
 * parsed plan. The directory itself is left untouched: the work happens in a copy.
 *
 * @example
 * const { plan } = planStackDirectory("cdktf.out/stacks/dev", { stateFile: "prior.tfstate" });
 */
export function planStackDirectory(
  stackDirectory: string,
  options: PlanStackOptions = {},
): StackPlan {
  const toolchain = options.toolchain ?? resolveOfflineToolchain();
  if (!existsSync(join(stackDirectory, "cdk.tf.json"))) {
    throw new Error(`${stackDirectory} holds no cdk.tf.json: synthesize the stack first`);
  }
  const workDirectory =
    options.workDirectory ??
    mkdtempSync(join(tmpdir(), `offline-plan-${basename(stackDirectory)}-`));
  mkdirSync(workDirectory, { recursive: true });
  cpSync(stackDirectory, workDirectory, {
    recursive: true,
    filter: (source) => !source.split(/[\\/]/).includes(".terraform"),
  });
  writeFileSync(
    join(workDirectory, "offline_override.tf.json"),
    `${JSON.stringify(offlineOverride(), null, 2)}\n`,
  );
  if (options.stateFile) {
    cpSync(options.stateFile, join(workDirectory, "terraform.tfstate"));
  }

  const run = (args: readonly string[]) => runTerraform(toolchain, workDirectory, args);
  const reusable = options.initializedFrom;
  const init =
    reusable && existsSync(join(reusable, ".terraform.lock.hcl"))
      ? copyInitialization(reusable, workDirectory)
      : // -plugin-dir installs the provider as a symlink into the mirror: no 700 MB copy.
        run(["init", "-input=false", "-no-color", `-plugin-dir=${toolchain.pluginDirectory}`]);
  const validate = run(["validate", "-no-color"]);
  // -refresh=false: with a prior state, refreshing would call AWS; the plan compares against it as is.
  const plan = run([
    "plan",
    "-input=false",
    "-no-color",
    "-lock=false",
    "-refresh=false",
    "-out=offline.tfplan",
  ]);
  const show = run(["show", "-json", "-no-color", "offline.tfplan"]);
  return {
    plan: JSON.parse(show.stdout) as TerraformPlan,
    workDirectory,
    timingsMs: {
      init: init.durationMs,
      validate: validate.durationMs,
      plan: plan.durationMs,
      show: show.durationMs,
    },
  };
}

function copyInitialization(
  fromDirectory: string,
  toDirectory: string,
): { stdout: string; durationMs: number } {
  const started = performance.now();
  // verbatimSymlinks keeps the provider a symlink into the mirror rather than a 700 MB copy.
  cpSync(join(fromDirectory, ".terraform"), join(toDirectory, ".terraform"), {
    recursive: true,
    verbatimSymlinks: true,
  });
  cpSync(join(fromDirectory, ".terraform.lock.hcl"), join(toDirectory, ".terraform.lock.hcl"));
  return { stdout: "", durationMs: performance.now() - started };
}

function runTerraform(
  toolchain: OfflineToolchain,
  workDirectory: string,
  args: readonly string[],
): { stdout: string; durationMs: number } {
  const started = performance.now();
  const result = spawnSync(toolchain.terraformBinary, args, {
    cwd: workDirectory,
    env: terraformEnvironment(process.env),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const durationMs = performance.now() - started;
  if (result.error) {
    throw new TerraformCommandError(
      `terraform ${args[0]} could not start: ${result.error.message}`,
    );
  }
  if (result.status !== 0) {
    const output = `${result.stderr}\n${result.stdout}`.trim().slice(-8000);
    throw new TerraformCommandError(
      `terraform ${args[0]} failed (exit ${result.status ?? result.signal}) in ${workDirectory}:\n${output}`,
    );
  }
  return { stdout: result.stdout, durationMs };
}

/** The environment terraform runs in: no telemetry, no prompts, no real AWS credentials. */
export function terraformEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    // Real credentials or profiles must never reach an offline plan.
    if (value === undefined || name.startsWith("AWS_")) continue;
    result[name] = value;
  }
  result.CHECKPOINT_DISABLE = "1";
  result.TF_IN_AUTOMATION = "1";
  result.TF_INPUT = "0";
  // A TF_CLI_CONFIG_FILE naming a missing file only makes terraform print warnings.
  if (result.TF_CLI_CONFIG_FILE && !existsSync(result.TF_CLI_CONFIG_FILE)) {
    delete result.TF_CLI_CONFIG_FILE;
  }
  return result;
}

/**
 * Synthesizes the app (every stage, with {@link OFFLINE_PLAN_IMAGE}) into `outdir` and returns
 * the directory that holds one sub-directory per stack.
 */
export function synthesizeStacks(
  outdir: string,
  env: Readonly<Record<string, string | undefined>> = OFFLINE_PLAN_IMAGE,
): string {
  buildApp({ outdir, env }).synth();
  return join(outdir, "stacks");
}

const planCache = new Map<string, TerraformPlan>();

/**
 * The offline plan of a stage for this test run. The first caller (in any worker) synthesizes
 * and plans while holding a lock, so plans run one at a time and once per run; later callers
 * read `<cacheDir>/<stage>/plan.json`. A setup problem (no terraform, no provider) is
 * recorded and thrown to every caller, so each offline test fails with the message.
 */
export async function readStagePlan(stage: StageName): Promise<TerraformPlan> {
  return readStackPlan(stage);
}

/** Like {@link readStagePlan}, for any stack of the app (`shared` too). */
export async function readStackPlan(stage: string): Promise<TerraformPlan> {
  const cached = planCache.get(stage);
  if (cached) return cached;
  const cacheDirectory = await planCacheDirectory();
  const stageDirectory = join(cacheDirectory, stage);
  const planFile = join(stageDirectory, "plan.json");
  const errorFile = join(stageDirectory, "error.txt");
  const lockDirectory = join(cacheDirectory, ".lock");
  const deadline = Date.now() + 10 * 60_000;

  for (;;) {
    if (existsSync(planFile)) {
      const plan = JSON.parse(readFileSync(planFile, "utf8")) as TerraformPlan;
      planCache.set(stage, plan);
      return plan;
    }
    if (existsSync(errorFile)) throw new Error(readFileSync(errorFile, "utf8"));
    if (tryLock(lockDirectory)) {
      try {
        if (!existsSync(planFile) && !existsSync(errorFile)) {
          planStageIntoCache(cacheDirectory, stage);
        }
      } finally {
        rmSync(lockDirectory, { recursive: true, force: true });
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for the offline plan of ${stage} (lock ${lockDirectory})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function planStageIntoCache(cacheDirectory: string, stage: string): void {
  const stageDirectory = join(cacheDirectory, stage);
  mkdirSync(stageDirectory, { recursive: true });
  try {
    const toolchain = resolveOfflineToolchain();
    const stacksDirectory = join(cacheDirectory, "synth", "stacks");
    if (!existsSync(join(stacksDirectory, stage, "cdk.tf.json"))) {
      synthesizeStacks(join(cacheDirectory, "synth"));
    }
    const initialized = readdirSync(cacheDirectory)
      .map((other) => join(cacheDirectory, other, "work"))
      .find((directory) => existsSync(join(directory, ".terraform.lock.hcl")));
    const { plan, timingsMs } = planStackDirectory(join(stacksDirectory, stage), {
      toolchain,
      workDirectory: join(stageDirectory, "work"),
      initializedFrom: initialized,
    });
    writeFileSync(join(stageDirectory, "timings.json"), JSON.stringify(timingsMs));
    // Written under a temporary name and renamed, so readers never see half a file.
    const partial = join(stageDirectory, "plan.json.partial");
    writeFileSync(partial, JSON.stringify(plan));
    renameSync(partial, join(stageDirectory, "plan.json"));
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    writeFileSync(
      join(stageDirectory, "error.txt"),
      `offline plan of stage ${stage} failed: ${message}`,
    );
  }
}

function tryLock(lockDirectory: string): boolean {
  try {
    mkdirSync(lockDirectory);
    return true;
  } catch {
    return false;
  }
}

let fallbackDirectory: string | undefined;

async function planCacheDirectory(): Promise<string> {
  const { inject } = await import("vitest");
  const provided: string | undefined = inject(OFFLINE_PLAN_DIRECTORY_KEY);
  if (typeof provided === "string" && provided.length > 0) return provided;
  // Without the global setup (e.g. another vitest config), plans are cached per worker process.
  fallbackDirectory ??= mkdtempSync(join(tmpdir(), "offline-plans-"));
  return fallbackDirectory;
}

/** Every stage name, for `describe.each`. */
export const ALL_STAGES: readonly StageName[] = STAGE_NAMES;

/** The planned changes of one resource type, in address order. */
export function resourceChangesOfType(
  plan: TerraformPlan,
  type: string,
): readonly ResourceChange[] {
  return plan.resource_changes
    .filter((change) => change.mode === "managed" && change.type === type)
    .sort((a, b) => a.address.localeCompare(b.address));
}

/**
 * The planned values of the one resource of `type` whose address contains `nameFragment`
 * (construct ids become part of the address: `aws_lambda_function.service_function_546F4379`).
 * Throws when there is not exactly one, naming what it found.
 */
export function plannedResource(
  plan: TerraformPlan,
  type: string,
  nameFragment = "",
): Readonly<Record<string, unknown>> {
  const matches = resourceChangesOfType(plan, type).filter((change) =>
    change.name.includes(nameFragment),
  );
  const [only] = matches;
  if (matches.length !== 1 || !only) {
    throw new Error(
      `expected one ${type} matching "${nameFragment}" in the plan, found ${matches.length}: ${matches.map((m) => m.address).join(", ") || "none"}`,
    );
  }
  if (!only.change.after) throw new Error(`${only.address} is planned for deletion`);
  return only.change.after;
}
