/**
 * Runs every benchmark suite (`bench/*.bench.ts`) one after another, each in its own Node
 * process so that one suite's warm caches and heap never flatter the next one's figures.
 * `npm run bench -- synth` runs only the suites whose file name contains "synth".
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

let failed = 0;
for (const suite of suites) {
  console.log(`\n=== ${suite}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(benchDirectory, suite)], {
    stdio: "inherit",
  });
  if (result.status !== 0) {
    failed += 1;
    console.error(`${suite} exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
