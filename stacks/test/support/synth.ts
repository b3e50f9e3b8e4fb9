/**
 * Synthesis helpers for the stack unit tests: fixture factories for stage configs and images,
 * one-stack synthesis with cdktf's `Testing`, and lookups into the synthesized JSON.
 */
import { type App, Testing } from "cdktf";
import {
  type ImageSelection,
  STAGES,
  type StageConfig,
  type StageName,
  selectImage,
} from "../../config";
import { SharedStack } from "../../shared-stack";
import { StageStack } from "../../stage-stack";
import { fileScopedTemporaryDirectory } from "./temporary-directories";

export const TEST_IMAGE_TAG = "v3.1.4";
export const TEST_IMAGE_DIGEST = `sha256:${"ab".repeat(32)}`;

/** An image selection as `IMAGE_TAG` / `IMAGE_DIGEST` would give it. */
export function makeImage(options: { digest?: boolean } = {}): ImageSelection {
  return selectImage({
    IMAGE_TAG: TEST_IMAGE_TAG,
    IMAGE_DIGEST: options.digest ? TEST_IMAGE_DIGEST : undefined,
  });
}

type DeepPartial<T> = { -readonly [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * A stage's real configuration with some fields replaced, e.g.
 * `makeStageConfig("prod", { function: { memoryMb: 100 } })`. Arrays and the URL config are
 * replaced as a whole.
 */
export function makeStageConfig(
  stage: StageName,
  overrides: DeepPartial<StageConfig> = {},
): StageConfig {
  return merge(STAGES[stage], overrides) as StageConfig;
}

function merge(base: unknown, overrides: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    // The URL config is a union: merging one variant into another would mix their fields.
    result[key] = key === "url" ? value : merge(base[key], value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The synthesized Terraform JSON of one stack, as a string (for `Testing` matchers) and parsed. */
export interface SynthesizedStack {
  readonly json: string;
  readonly terraform: TerraformJson;
}

export interface TerraformJson {
  readonly terraform: {
    readonly backend?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    readonly required_providers?: Readonly<Record<string, { source: string; version?: string }>>;
  };
  readonly provider: { readonly aws: readonly Readonly<Record<string, unknown>>[] };
  readonly resource: Readonly<
    Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>
  >;
  readonly output: Readonly<Record<string, { readonly value: unknown }>>;
  readonly data?: unknown;
}

/**
 * cdktf's `Testing.app()` with its output directory in the temp folder, removed after the test
 * file (a bare `Testing.app()` makes a `cdktf.outdir.*` directory nobody removes).
 */
export function testingApp(): App {
  return Testing.app({ outdir: fileScopedTemporaryDirectory("cdktf.outdir.") });
}

export function synthStageStack(
  config: StageConfig,
  image: ImageSelection = makeImage(),
): SynthesizedStack {
  const app = testingApp();
  const stack = new StageStack(app, config.stage, { config, image });
  const json = Testing.synth(stack);
  return { json, terraform: JSON.parse(json) as TerraformJson };
}

export function synthSharedStack(options: { bootstrap?: boolean } = {}): SynthesizedStack {
  const app = testingApp();
  const stack = new SharedStack(app, "shared", {
    stages: Object.values(STAGES),
    bootstrap: options.bootstrap,
  });
  const json = Testing.synth(stack);
  return { json, terraform: JSON.parse(json) as TerraformJson };
}

/** Every resource of a type. */
export function resourcesOfType(
  synthesized: SynthesizedStack,
  type: string,
): readonly Readonly<Record<string, unknown>>[] {
  return Object.values(synthesized.terraform.resource[type] ?? {});
}

/**
 * The entries of a type whose Terraform name comes from a construct path under `pathPrefix`.
 * CDKTF names a resource after its construct path without the stack (`service/function` becomes
 * `service_function_<hash>`), and `Testing.synth` drops the path metadata, so the name is what
 * is left to match on.
 */
function entriesAt(
  synthesized: SynthesizedStack,
  type: string,
  path: string,
  exact: boolean,
): [string, Readonly<Record<string, unknown>>][] {
  const stem = path.replace(/\//g, "_");
  return Object.entries(synthesized.terraform.resource[type] ?? {}).filter(([name]) =>
    exact ? new RegExp(`^${escapeRegExp(stem)}_[0-9A-F]{8}$`).test(name) : name.startsWith(stem),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The resources of a type built by constructs under `pathPrefix` (`alarms/`): tests look at
 * their own constructs and ignore what other constructs add to the same stack.
 */
export function resourcesUnder(
  synthesized: SynthesizedStack,
  type: string,
  pathPrefix: string,
): readonly Readonly<Record<string, unknown>>[] {
  return entriesAt(synthesized, type, pathPrefix, false).map(([, resource]) => resource);
}

/** The resource of a type at a construct path (`service/function`); throws if absent. */
export function resourceAt(
  synthesized: SynthesizedStack,
  type: string,
  path: string,
): Readonly<Record<string, unknown>> {
  const [found] = entriesAt(synthesized, type, path, true);
  if (!found) {
    const names = Object.keys(synthesized.terraform.resource[type] ?? {});
    throw new Error(`no ${type} at ${path}; found ${names.join(", ") || "none"}`);
  }
  return found[1];
}

/** `${aws_lambda_alias.<name>.name}`: a reference to an attribute of the resource at `path`. */
export function referenceTo(
  synthesized: SynthesizedStack,
  type: string,
  path: string,
  attribute: string,
): string {
  const [found] = entriesAt(synthesized, type, path, true);
  if (!found) throw new Error(`no ${type} at ${path}`);
  return `\${${type}.${found[0]}.${attribute}}`;
}

/** Parses a policy document string the way IAM would read it. */
export function parsePolicy(policy: unknown): {
  Statement: {
    Sid: string;
    Effect: string;
    Principal?: unknown;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
  }[];
} {
  if (typeof policy !== "string")
    throw new Error(`expected a policy JSON string, got ${typeof policy}`);
  return JSON.parse(policy);
}
