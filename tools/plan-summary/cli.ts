/**
 * `npm run plan-summary -- <plan.json | stage=plan.json>...` prints the Markdown summary of
 * `terraform show -json` plans (one per stage) on stdout.
 *
 * Each file's stage is, in order: the `stage=` prefix when given; else the file name
 * `plan-<stage>.json` (what the pull-request workflow uploads); else the `stage` tag in the
 * plan's AWS provider `default_tags` (every stage stack sets it). A file that names no stage,
 * cannot be read or is not a plan is an error naming the file (exit 1); bad usage exits 2.
 */

import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PlanFileError, parsePlan, stageFromPlanConfiguration } from "./plan.js";
import { renderSummary, type StagePlan } from "./summary.js";

const USAGE =
  "usage: npm run plan-summary -- [--expect <stage,...>] <plan-<stage>.json | <stage>=<plan.json>>...";
const STAGE_LABEL = /^[a-z0-9][a-z0-9-]{0,62}$/;
const FILE_NAME_STAGE = /^plan-([a-z0-9][a-z0-9-]*)\.json$/;

export interface PlanArgument {
  readonly file: string;
  /** The stage given explicitly or by the file name; `undefined` when the plan must tell. */
  readonly stage: string | undefined;
}

/** Splits `stage=path` and derives the stage of `plan-<stage>.json` (pure; see the module doc). */
export function parsePlanArgument(argument: string): PlanArgument {
  const equals = argument.indexOf("=");
  if (equals > 0) {
    const stage = argument.slice(0, equals);
    const file = argument.slice(equals + 1);
    if (!STAGE_LABEL.test(stage)) {
      throw new UsageError(`"${stage}" in "${argument}" is not a stage name ([a-z0-9-])`);
    }
    if (file.length === 0) throw new UsageError(`"${argument}" names no file after "="`);
    return { file, stage };
  }
  const match = FILE_NAME_STAGE.exec(basename(argument));
  return { file: argument, stage: match?.[1] };
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Reads, validates and labels every plan file; errors name the file. */
export async function loadPlans(argumentsList: readonly string[]): Promise<StagePlan[]> {
  if (argumentsList.length === 0) throw new UsageError("no plan files given");
  const plans: StagePlan[] = [];
  for (const argument of argumentsList) {
    const { file, stage } = parsePlanArgument(argument);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new PlanFileError(
        file,
        `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    const plan = parsePlan(text, file);
    const resolved = stage ?? stageFromPlanConfiguration(plan);
    if (resolved === undefined) {
      throw new PlanFileError(
        file,
        'names no stage: pass it as "<stage>=<file>", name the file plan-<stage>.json, or plan a stack whose provider default_tags carry a "stage" tag',
      );
    }
    if (plans.some((existing) => existing.stage === resolved)) {
      throw new PlanFileError(file, `is a second plan for stage "${resolved}"`);
    }
    plans.push({ stage: resolved, plan });
  }
  return plans;
}

/** `--expect dev,test,prod`: stages whose missing plan the summary must point out. */
export function parseOptions(argv: readonly string[]): {
  expectedStages: string[];
  files: string[];
} {
  const files: string[] = [];
  let expectedStages: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === "--expect") {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError("--expect needs a comma-separated list of stages");
      }
      expectedStages = value.split(",").filter((stage) => stage.length > 0);
      index += 1;
    } else if (argument.startsWith("--")) {
      throw new UsageError(`unknown option ${argument}`);
    } else {
      files.push(argument);
    }
  }
  return { expectedStages, files };
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const { expectedStages, files } = parseOptions(argv);
    // With --expect, no plan at all is still a summary (every stage then says it has none).
    const plans = files.length === 0 && expectedStages.length > 0 ? [] : await loadPlans(files);
    process.stdout.write(renderSummary(plans, { expectedStages }));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`plan-summary: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof PlanFileError) {
      process.stderr.write(`plan-summary: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
