/**
 * The part every CodeDeploy lifecycle hook shares: read the event, run a check under a deadline,
 * and always report `Succeeded` or `Failed`. A hook that throws or runs out of time without
 * reporting leaves the deployment waiting for CodeDeploy's one-hour limit, so nothing a check
 * does can escape this function without a report. What this function cannot catch (the runtime
 * dying) is reported by the hooks' on-failure destination, `hook-failure.ts`.
 */

/** The event CodeDeploy sends to a Lambda lifecycle hook (BeforeAllowTraffic, AfterAllowTraffic). */
export interface LifecycleHookEvent {
  readonly deploymentId: string;
  readonly lifecycleEventHookExecutionId: string;
}

export type HookStatus = "Succeeded" | "Failed";

/** What a check found: `passed` with notes for the log, or the reasons it failed. */
export interface CheckOutcome {
  readonly passed: boolean;
  /** Human-readable findings. Never request or response bodies, never headers. */
  readonly reasons: readonly string[];
}

/** A check receives the deployment id and a signal that aborts when the hook's time is up. */
export type HookCheck = (deploymentId: string, signal: AbortSignal) => Promise<CheckOutcome>;

/** Tells CodeDeploy how the hook ended (PutLifecycleEventHookExecutionStatus). */
export type HookReporter = (event: LifecycleHookEvent, status: HookStatus) => Promise<void>;

/** The structured log the hooks write to (Powertools in Lambda, a recorder in tests). */
export interface HookLog {
  info(message: string, fields: Readonly<Record<string, unknown>>): void;
  error(message: string, fields: Readonly<Record<string, unknown>>): void;
}

/** A lifecycle event without the ids CodeDeploy always sends: there is nobody to report to. */
export class LifecycleEventError extends Error {
  override readonly name = "LifecycleEventError";
}

const DEPLOYMENT_ID = /^d-[A-Z0-9]{1,32}$/i;

/** Reads `DeploymentId` and `LifecycleEventHookExecutionId`; throws naming the missing field. */
export function parseLifecycleHookEvent(event: unknown): LifecycleHookEvent {
  if (event === null || typeof event !== "object" || Array.isArray(event)) {
    throw new LifecycleEventError("the lifecycle hook event must be a JSON object");
  }
  const { DeploymentId: deploymentId, LifecycleEventHookExecutionId: executionId } =
    event as Record<string, unknown>;
  if (typeof deploymentId !== "string" || !DEPLOYMENT_ID.test(deploymentId)) {
    throw new LifecycleEventError(
      "event.DeploymentId must be a CodeDeploy deployment id such as d-ABCDEF123",
    );
  }
  if (typeof executionId !== "string" || executionId.length === 0) {
    throw new LifecycleEventError("event.LifecycleEventHookExecutionId must be a non-empty string");
  }
  return { deploymentId, lifecycleEventHookExecutionId: executionId };
}

export interface RunHookOptions {
  /** Name in the log lines, e.g. "BeforeAllowTraffic". */
  readonly hook: string;
  readonly event: unknown;
  /** The Lambda context's `getRemainingTimeInMillis`. */
  readonly remainingTimeMs: () => number;
  /** Time kept back to report `Failed` before Lambda kills the invocation. */
  readonly safetyMarginMs: number;
  readonly check: HookCheck;
  readonly report: HookReporter;
  readonly log: HookLog;
}

export interface HookResult {
  readonly status: HookStatus;
  readonly reasons: readonly string[];
}

/**
 * Runs `check` until it settles or the deadline (remaining time minus the safety margin) passes,
 * whichever comes first, then reports. A thrown error or a timeout reports `Failed`. Only a
 * malformed event (no ids to report with) or a failed report makes it throw: the hooks are never
 * retried (a check must not be re-run into another verdict), so Lambda hands the event to the
 * on-failure destination, which reports `Failed` (`hook-failure.ts`).
 */
export async function runLifecycleHook(options: RunHookOptions): Promise<HookResult> {
  const event = parseLifecycleHookEvent(options.event);
  const budgetMs = options.remainingTimeMs() - options.safetyMarginMs;
  const outcome = await checkWithinDeadline(options.check, event.deploymentId, budgetMs);
  const status: HookStatus = outcome.passed ? "Succeeded" : "Failed";
  const fields = { hook: options.hook, deploymentId: event.deploymentId, status };
  if (outcome.passed) {
    options.log.info("lifecycle hook passed", { ...fields, notes: outcome.reasons });
  } else {
    options.log.error("lifecycle hook failed", { ...fields, reasons: outcome.reasons });
  }
  try {
    await options.report(event, status);
  } catch (error) {
    options.log.error("could not report the lifecycle hook status to CodeDeploy", {
      ...fields,
      error: describeError(error),
    });
    throw error;
  }
  return { status, reasons: outcome.reasons };
}

async function checkWithinDeadline(
  check: HookCheck,
  deploymentId: string,
  budgetMs: number,
): Promise<CheckOutcome> {
  if (budgetMs <= 0) {
    return { passed: false, reasons: ["no time left to run the check before the hook times out"] };
  }
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({
        passed: false,
        reasons: [`the check did not finish within ${budgetMs} ms (the hook's time budget)`],
      });
    }, budgetMs);
  });
  const run = Promise.resolve()
    .then(() => check(deploymentId, controller.signal))
    .catch(
      (error: unknown): CheckOutcome => ({
        passed: false,
        reasons: [`the check crashed: ${describeError(error)}`],
      }),
    );
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `Name: message` of an error: AWS SDK errors carry the API's error code as their name. Anything
 * else that was thrown is described by its type, never converted: `String()` of an object without
 * a usable `toString` throws, and a throw here would escape the catch that reports `Failed`.
 *
 * @example describeError(Object.create(null)) // "a thrown object (not an Error)"
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const name = typeof error.name === "string" ? error.name : "Error";
    return typeof error.message === "string" ? `${name}: ${error.message}` : name;
  }
  if (typeof error === "string") return error;
  const kind = error === null ? "null" : typeof error === "object" ? "object" : typeof error;
  return `a thrown ${kind} (not an Error)`;
}
