/**
 * vitest global setup: one plan cache directory per test run, shared by every worker, removed
 * at the end. The offline plans themselves are made on first use by `readStagePlan` (one at a
 * time, under a lock), so a run that selects no offline test spends nothing on terraform.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { OFFLINE_PLAN_DIRECTORY_KEY } from "./plan-cache";

export default function setup(project: TestProject): () => void {
  const directory = mkdtempSync(join(tmpdir(), "offline-plans-"));
  project.provide(OFFLINE_PLAN_DIRECTORY_KEY, directory);
  return () => {
    // KEEP_OFFLINE_PLANS=1 leaves the plans and work directories for inspection.
    if (process.env.KEEP_OFFLINE_PLANS === "1") {
      console.log(`offline plans kept in ${directory}`);
      return;
    }
    rmSync(directory, { recursive: true, force: true });
  };
}
