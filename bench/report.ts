/**
 * How every benchmark suite reports, so that `npm run bench` reads the same throughout:
 * - {@link measure} prints a line when a measurement starts and one when it ends (with its
 *   duration), so a person watching knows what is running;
 * - {@link checkBudget} prints a figure against its budget and records the verdict. `bench/index.ts`
 *   collects the verdicts of every suite (through the file named by BENCH_RESULTS) and closes the
 *   run with a summary listing every budget missed with its figure.
 */
import { appendFileSync } from "node:fs";
import { basename } from "node:path";
import { performance } from "node:perf_hooks";

/** The environment variable naming the JSON-lines file the suites append their verdicts to. */
export const BENCH_RESULTS_VARIABLE = "BENCH_RESULTS";

/** One figure checked against its budget. */
export interface BudgetVerdict {
  readonly suite: string;
  readonly name: string;
  /** The measured figure with its unit, e.g. "2.41 µs". */
  readonly value: string;
  /** The budget, e.g. "<= 3.4 µs". */
  readonly budget: string;
  readonly met: boolean;
}

const suite = basename(process.argv[1] ?? "bench");

/**
 * Runs one measurement between a start line and an end line.
 *
 * @example const figures = await measure("warm invocation", () => measureWarm(bundle));
 */
export async function measure<T>(name: string, run: () => T | Promise<T>): Promise<T> {
  console.log(`▶ ${name} ...`);
  const started = performance.now();
  try {
    const result = await run();
    console.log(`✓ ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  } catch (error) {
    console.log(`✗ ${name} failed after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    throw error;
  }
}

/** Prints a figure against its budget and records the verdict for the closing summary. */
export function checkBudget(verdict: Omit<BudgetVerdict, "suite">): boolean {
  console.log(
    `  ${verdict.name}: ${verdict.value}; budget ${verdict.budget}: ${verdict.met ? "met" : "MISSED"}`,
  );
  return recordVerdict(verdict);
}

/** Records a verdict for the closing summary without printing it (for a suite's own table). */
export function recordVerdict(verdict: Omit<BudgetVerdict, "suite">): boolean {
  const file = process.env[BENCH_RESULTS_VARIABLE];
  if (file) appendFileSync(file, `${JSON.stringify({ suite, ...verdict })}\n`);
  return verdict.met;
}
