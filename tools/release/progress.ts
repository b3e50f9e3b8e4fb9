/**
 * What the operator sees while a release runs: a live progress line (rewritten in place on a
 * terminal, one line per change otherwise) and the final summary. Formatting is pure.
 */
import type { DeploymentSnapshot } from "./delivery-api";

/** Minimal writable stream (process.stdout / process.stderr or a test buffer). */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** `1m 05s`, `42s`, `1h 02m`. */
export function formatDuration(milliseconds: number): string {
  const totalSeconds = Math.max(0, Math.round(milliseconds / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
  return `${seconds}s`;
}

export interface ProgressContext {
  readonly stage: string;
  readonly targetVersion: string;
}

/** The state part of the progress line (everything but the elapsed time). */
export function describeProgress(context: ProgressContext, snapshot: DeploymentSnapshot): string {
  const parts = [`${context.stage} ${snapshot.deploymentId}`, snapshot.status];
  if (snapshot.targetWeight !== undefined) {
    parts.push(`traffic on v${context.targetVersion}: ${Math.round(snapshot.targetWeight * 100)}%`);
  }
  const hooks = snapshot.lifecycleEvents.map((event) => `${event.name} ${event.status}`);
  if (hooks.length > 0) parts.push(hooks.join(", "));
  return parts.join(" | ");
}

/** Shows the progress line: rewritten in place on a TTY, printed on each change otherwise. */
export class ProgressLine {
  private lastState = "";
  private open = false;

  constructor(private readonly stream: OutputStream) {}

  update(state: string, elapsedMs: number): void {
    const line = `${state} | ${formatDuration(elapsedMs)}`;
    if (this.stream.isTTY) {
      // Carriage return + erase line: the terminal shows one line that keeps changing.
      this.stream.write(`\r\x1b[2K${line}`);
      this.open = true;
    } else if (state !== this.lastState) {
      this.stream.write(`${line}\n`);
    }
    this.lastState = state;
  }

  /** Ends the in-place line so the next output starts on a fresh line. */
  finish(): void {
    if (this.open) this.stream.write("\n");
    this.open = false;
  }
}
