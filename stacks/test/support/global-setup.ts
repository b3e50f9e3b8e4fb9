/**
 * vitest global setup and teardown.
 *
 * - The suite's temp folder: a fresh directory in the real one, made the temp folder of the run
 *   (TMPDIR, TMP and TEMP, which `os.tmpdir()` reads and the test workers inherit). At the end,
 *   anything the tests left in it fails the run, by name, and is then removed: every test
 *   removes what it creates.
 * - One offline plan cache directory per run (in the suite's temp folder), shared by every
 *   worker. The plans themselves are made on first use by `readStagePlan` (one at a time, under a
 *   lock), so a run that selects no offline test spends nothing on terraform.
 * - When the run includes a test that plans offline, terraform and the hashicorp/aws provider are
 *   resolved first (./terraform-provider, downloading into the plugin cache if need be), so that
 *   a machine without them gets one line naming the fixes instead of a failure per test.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { OfflinePlanSetupError, resolveOfflineToolchain } from "./offline-plan";
import { OFFLINE_PLAN_DIRECTORY_KEY } from "./plan-cache";

const TEMP_VARIABLES = ["TMPDIR", "TMP", "TEMP"] as const;

/** Thrown by the teardown when tests left files in the suite's temp folder. */
export class LeftBehindError extends Error {
  override readonly name = "LeftBehindError";
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (await runPlansOffline(project)) {
    try {
      resolveOfflineToolchain();
    } catch (error) {
      if (!(error instanceof OfflinePlanSetupError)) throw error;
      // One line and stop: a thrown error would add vitest's own confused "no test files found"
      // and a stack that only points into this file.
      console.error(`error: ${error.message}`);
      // vitest's own temp directory would outlive the exit.
      rmSync(project.tmpDir, { recursive: true, force: true });
      process.exit(1);
    }
  }

  const saved = Object.fromEntries(TEMP_VARIABLES.map((name) => [name, process.env[name]]));
  const suiteTemp = mkdtempSync(join(tmpdir(), "agnostic-lambda-core-tests-"));
  for (const name of TEMP_VARIABLES) process.env[name] = suiteTemp;
  // The plan cache is the suite's own, not a test's: it lives beside what the tests make.
  const planCache = join(suiteTemp, ".offline-plans");
  mkdirSync(planCache);
  project.provide(OFFLINE_PLAN_DIRECTORY_KEY, planCache);

  return () => {
    for (const name of TEMP_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    // KEEP_OFFLINE_PLANS=1 leaves the plans, work directories and leftovers for inspection.
    if (process.env.KEEP_OFFLINE_PLANS === "1") {
      console.log(`offline plans and the suite's temp folder kept in ${suiteTemp}`);
      return;
    }
    rmSync(planCache, { recursive: true, force: true });
    removeCheckingNothingLeftBehind(suiteTemp);
  };
}

/**
 * Removes the suite's temp folder; throws {@link LeftBehindError} naming what the tests left in
 * it. tsx (run by the commands some tests start) keeps its compile cache in the temp folder by
 * design, like a tool's cache in a home directory: that is not something a test made.
 */
export function removeCheckingNothingLeftBehind(suiteTemp: string): void {
  const leftBehind = readdirSync(suiteTemp)
    .filter((entry) => !/^tsx-[^/]+$/.test(entry))
    .sort();
  rmSync(suiteTemp, { recursive: true, force: true });
  if (leftBehind.length > 0) {
    const error = new LeftBehindError(
      `tests left ${leftBehind.length} entr${leftBehind.length === 1 ? "y" : "ies"} in the temp folder (now removed): ${leftBehind.join(", ")}; ` +
        "each test must remove what it creates (mkdtemp in beforeAll, rm in afterAll)",
    );
    // The stack would only point into vitest's teardown.
    error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
}

/** Whether a selected test file uses the offline plans (imports their support modules). */
async function runPlansOffline(project: TestProject): Promise<boolean> {
  // The file filters given on the command line (`vitest run stacks/test/x.test.ts`).
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(filters);
  return testFiles.some((file) =>
    /support\/(offline-plan|real-plans)["']/.test(readFileSync(file, "utf8")),
  );
}
