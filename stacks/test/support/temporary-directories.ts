/**
 * Temp directories for test helpers that cannot take one from the test (cdktf's `Testing.app`
 * must be given an output directory or it makes its own and never removes it). Each is removed
 * after the test file that made it, by the per-file setup (./per-file-setup.ts, vitest
 * `setupFiles`). Tests that own a directory themselves use `mkdtemp` in `beforeAll` and `rm` in
 * `afterAll` instead.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const directories: string[] = [];

/** A new directory in the temp folder, removed when the current test file ends. */
export function fileScopedTemporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  directories.push(directory);
  return directory;
}

/** Removes every directory {@link fileScopedTemporaryDirectory} made. */
export function removeFileScopedTemporaryDirectories(): void {
  for (const directory of directories.splice(0)) {
    rmSync(directory, { recursive: true, force: true });
  }
}
