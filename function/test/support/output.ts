import { vi } from "vitest";

/**
 * Captures what the code under test writes to stdout and stderr (its log lines) until
 * `vi.restoreAllMocks()`; returns the array the chunks are appended to.
 */
export function captureProcessOutput(): string[] {
  const lines: string[] = [];
  const keep = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(keep);
  vi.spyOn(process.stderr, "write").mockImplementation(keep);
  return lines;
}
