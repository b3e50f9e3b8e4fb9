/**
 * Infrastructure benchmarks:
 * - synth: wall time of `tsx main.ts` (what `npm run synth` runs) for every stack, each run in a
 *   fresh Node process, median of several runs. Budget: under 3 s on this machine.
 * - offline plan: init / validate / plan / show per stage, as the offline test runs them
 *   (stages planned one after another, later stages reusing the first one's `terraform init`).
 *
 * The plan part finds terraform and the provider as the offline tests do
 * (stacks/test/support/terraform-provider.ts) and fails without them. Exits 1
 * when synth is over its budget; the plan budget is informational.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { STAGE_NAMES } from "../stacks/config";
import {
  planStackDirectory,
  resolveOfflineToolchain,
  synthesizeStacks,
} from "../stacks/test/support/offline-plan";
import { checkBudget, measure } from "./report";
import { median } from "./stats";

const SYNTH_RUNS = 5;
const SYNTH_BUDGET_MS = 3000;
// No target in the issue, and the figure swings 2-3x with the load of the shared 2 cores: the
// budget is printed to flag a plan that grew several times slower, but does not fail the run.
const PLAN_BUDGET_MS = 20_000;

function verdict(value: number, budget: number): string {
  return value <= budget ? "within" : "over (informational, not a failure)";
}

// The 2 cores are shared: a loaded machine explains slow figures, so print the load with them.
console.log(`load average (1 min) at start: ${loadavg()[0]?.toFixed(2)}`);
const workDirectory = mkdtempSync(join(tmpdir(), "synth-bench-"));
let failed = false;
try {
  const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");
  const synthTimes = await measure(`synth of every stack, ${SYNTH_RUNS} fresh processes`, () => {
    const times: number[] = [];
    for (let run = 0; run < SYNTH_RUNS; run += 1) {
      const outdir = join(workDirectory, `synth-${run}`);
      const started = performance.now();
      const result = spawnSync(tsx, ["main.ts"], {
        env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" },
        encoding: "utf8",
      });
      times.push(performance.now() - started);
      if (result.status !== 0) throw new Error(`synth failed: ${result.stderr}`);
    }
    return times;
  });
  const synthMedian = median(synthTimes);
  const met = checkBudget({
    name: `synth (shared + ${STAGE_NAMES.join(", ")}), fresh process, median of ${SYNTH_RUNS}`,
    value: `${synthMedian.toFixed(0)} ms (min ${Math.min(...synthTimes).toFixed(0)}, max ${Math.max(...synthTimes).toFixed(0)})`,
    budget: `<= ${SYNTH_BUDGET_MS} ms`,
    met: synthMedian <= SYNTH_BUDGET_MS,
  });
  if (!met) failed = true;

  const toolchain = resolveOfflineToolchain();
  const stacksDirectory = synthesizeStacks(join(workDirectory, "plan-synth"));
  let initialized: string | undefined;
  for (const stage of STAGE_NAMES) {
    await measure(`offline plan of ${stage}`, () => {
      const started = performance.now();
      const { workDirectory: planDirectory, timingsMs } = planStackDirectory(
        join(stacksDirectory, stage),
        {
          toolchain,
          workDirectory: join(workDirectory, `plan-${stage}`),
          initializedFrom: initialized,
        },
      );
      const total = performance.now() - started;
      initialized ??= planDirectory;
      const steps = Object.entries(timingsMs)
        .map(([step, ms]) => `${step} ${ms.toFixed(0)}`)
        .join(", ");
      console.log(
        `  offline plan ${stage}: ${total.toFixed(0)} ms (${steps} ms); ${PLAN_BUDGET_MS} ms: ${verdict(total, PLAN_BUDGET_MS)}`,
      );
    });
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  failed = true;
} finally {
  rmSync(workDirectory, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
