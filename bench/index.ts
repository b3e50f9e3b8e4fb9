/**
 * Runs every benchmark suite (`bench/*.bench.ts`) one after another, each in its own Node
 * process so that one suite's warm caches and heap never flatter the next one's figures.
 * `npm run bench -- synth` runs only the suites whose file name contains "synth".
 *
 * Each suite prints a line as each measurement starts and ends (bench/report.ts). The run closes
 * with a summary: every budget checked, and every budget missed with its figure. Exit code 0
 * when every budget is met, 1 when one is missed or a suite failed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { BENCH_RESULTS_VARIABLE, type BudgetVerdict } from "./report";

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const suites = readdirSync(benchDirectory)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

if (suites.length === 0) {
  console.error(`no benchmark suite matches ${filters.join(", ") || "bench/*.bench.ts"}`);
  process.exit(2);
}

const resultsDirectory = mkdtempSync(join(tmpdir(), "bench-results-"));
const resultsFile = join(resultsDirectory, "verdicts.jsonl");
const failedSuites: string[] = [];
let verdicts: BudgetVerdict[] = [];
try {
  for (const [index, suite] of suites.entries()) {
    console.log(`\n=== ${suite} (${index + 1} of ${suites.length})`);
    const started = performance.now();
    const result = spawnSync(process.execPath, ["--import", "tsx", join(benchDirectory, suite)], {
      stdio: "inherit",
      env: { ...process.env, [BENCH_RESULTS_VARIABLE]: resultsFile },
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    console.log(`=== ${suite} finished in ${seconds} s (exit ${result.status ?? result.signal})`);
    if (result.status !== 0) failedSuites.push(`${suite} (exit ${result.status ?? result.signal})`);
  }
  verdicts = existsSync(resultsFile)
    ? readFileSync(resultsFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as BudgetVerdict)
    : [];
} finally {
  rmSync(resultsDirectory, { recursive: true, force: true });
}

const missed = verdicts.filter((verdict) => !verdict.met);
// A suite that exits non-zero without a missed budget crashed or could not measure.
const crashed = failedSuites.filter(
  (failed) => !missed.some((verdict) => failed.startsWith(verdict.suite)),
);
console.log(
  `\nbench summary: ${suites.length} suite(s), ${verdicts.length} budget(s) checked, ${missed.length} missed` +
    (crashed.length > 0 ? `, ${crashed.length} suite(s) failed` : ""),
);
for (const verdict of missed) {
  console.log(
    `  MISSED ${verdict.suite}: ${verdict.name}: ${verdict.value} (budget ${verdict.budget})`,
  );
}
for (const failed of crashed) console.log(`  FAILED ${failed}: see its output above`);
process.exit(missed.length === 0 && failedSuites.length === 0 ? 0 : 1);
