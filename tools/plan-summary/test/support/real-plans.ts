/**
 * Real `terraform show -json` plans of this project's own stacks, produced offline by the
 * stacks' test support, including plans against a prior state built from an earlier plan.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../../../stacks/app";
import { STAGES, type StageConfig } from "../../../../stacks/config";
import { AWS_PROVIDER_VERSION } from "../../../../stacks/stage-stack";
import {
  OFFLINE_PLAN_IMAGE,
  planStackDirectory,
  readStagePlan,
  resolveOfflineToolchain,
  type TerraformPlan,
  terraformEnvironment,
} from "../../../../stacks/test/support/offline-plan";
import { type PlanForState, type ProviderSchemas, stateFromPlan } from "./prior-state";

/**
 * prod changed the way a pull request would: the on-call address is replaced by another one
 * (an SNS subscription's endpoint cannot be updated, so it is replaced) and the Function URL
 * becomes IAM-authenticated (its two public-access permissions are deleted).
 */
export function changedProdConfig(): StageConfig {
  return {
    ...STAGES.prod,
    function: { ...STAGES.prod.function, url: { authType: "AWS_IAM" } },
    notifications: { emails: ["pager@example.com"] },
  };
}

/** The AWS provider's schemas (`terraform providers schema -json`), from the offline mirror. */
export function readProviderSchemas(): ProviderSchemas {
  const toolchain = resolveOfflineToolchain();
  const directory = mkdtempSync(join(tmpdir(), "provider-schema-"));
  writeFileSync(
    join(directory, "main.tf.json"),
    JSON.stringify({
      terraform: {
        required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } },
      },
    }),
  );
  const run = (args: string[]) => {
    const result = spawnSync(toolchain.terraformBinary, args, {
      cwd: directory,
      env: terraformEnvironment(process.env),
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    if (result.status !== 0) {
      throw new Error(`terraform ${args[0]} failed in ${directory}: ${result.stderr}`);
    }
    return result.stdout;
  };
  try {
    run(["init", "-input=false", "-no-color", `-plugin-dir=${toolchain.pluginDirectory}`]);
    return JSON.parse(run(["providers", "schema", "-json"])) as ProviderSchemas;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export interface RealPlans {
  /** dev planned from nothing: everything is created. */
  readonly devFromScratch: TerraformPlan;
  /** test planned against the state its own plan would leave: nothing to do. */
  readonly testUnchanged: TerraformPlan;
  /** prod planned against the state of its current plan, with {@link changedProdConfig}. */
  readonly prodChanged: TerraformPlan;
}

/** Plans the three scenarios (two plans of its own; the from-scratch plans are shared). */
export async function produceRealPlans(): Promise<RealPlans> {
  const devFromScratch = await readStagePlan("dev");
  const testBefore = await readStagePlan("test");
  const prodBefore = await readStagePlan("prod");
  const schemas = readProviderSchemas();

  // Everything below happens in one work directory, removed once the plans are parsed.
  const work = mkdtempSync(join(tmpdir(), "plan-summary-"));
  try {
    return planChangedScenarios(work, devFromScratch, testBefore, prodBefore, schemas);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function planChangedScenarios(
  work: string,
  devFromScratch: TerraformPlan,
  testBefore: TerraformPlan,
  prodBefore: TerraformPlan,
  schemas: ProviderSchemas,
): RealPlans {
  const stateFile = (name: string, plan: TerraformPlan) => {
    const file = join(work, `${name}.tfstate`);
    writeFileSync(file, JSON.stringify(stateFromPlan(plan as unknown as PlanForState, schemas)));
    return file;
  };

  const unchangedOut = join(work, "unchanged");
  buildApp({ outdir: unchangedOut, env: OFFLINE_PLAN_IMAGE, stages: ["test"] }).synth();
  const testUnchanged = planStackDirectory(join(unchangedOut, "stacks", "test"), {
    stateFile: stateFile("test", testBefore),
    workDirectory: join(work, "plan-test"),
  }).plan;

  const changedOut = join(work, "changed");
  buildApp({
    outdir: changedOut,
    env: OFFLINE_PLAN_IMAGE,
    stages: ["prod"],
    stageConfigs: { prod: changedProdConfig() },
  }).synth();
  const prodChanged = planStackDirectory(join(changedOut, "stacks", "prod"), {
    stateFile: stateFile("prod", prodBefore),
    workDirectory: join(work, "plan-prod"),
  }).plan;

  return { devFromScratch, testUnchanged, prodChanged };
}
