/**
 * The last resort behind the lifecycle hooks. A hook invocation that fails hard (out of memory,
 * the runtime exiting, an init error, Lambda's own timeout) never reaches the `try/catch` in
 * `runLifecycleHook`, so it cannot report. Lambda then sends an invocation record to the hook's
 * on-failure destination, this reporter, which reports `Failed` for the original lifecycle event
 * so CodeDeploy rolls back at once instead of waiting for its one-hour limit.
 */
import {
  describeError,
  type HookLog,
  type HookReporter,
  type LifecycleHookEvent,
  parseLifecycleHookEvent,
} from "./lifecycle.js";

/**
 * The record Lambda sends to an asynchronous invocation's destination. `@types/aws-lambda` has no
 * type for it; this is the documented shape (`version` "1.0").
 */
export interface LambdaDestinationRecord {
  readonly version: string;
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    /** `RetriesExhausted` or `EventAgeExceeded` on failure, `Success` on success. */
    readonly condition: string;
    readonly approximateInvokeCount: number;
  };
  /** The event the failed function was invoked with: here, CodeDeploy's lifecycle event. */
  readonly requestPayload: unknown;
  /** Absent when the function never ran (an event that expired in the queue). */
  readonly responseContext?: {
    readonly statusCode?: number;
    readonly executedVersion?: string;
    /** `Unhandled` when the function crashed or timed out. */
    readonly functionError?: string;
  };
  readonly responsePayload?: unknown;
}

/** What the reporter takes from a record: whom to report to, and why (never a body). */
export interface HookFailure {
  readonly event: LifecycleHookEvent;
  readonly condition: string;
  readonly functionArn: string | undefined;
  readonly approximateInvokeCount: number | undefined;
  readonly functionError: string | undefined;
  /** `errorType` of the failed invocation's response (`Runtime.OutOfMemory`, `Sandbox.Timedout`). */
  readonly errorType: string | undefined;
}

/** A record the reporter cannot act on; the message names the field, never its value. */
export class HookFailureRecordError extends Error {
  override readonly name = "HookFailureRecordError";
}

/** The condition of an on-success record: nothing failed, so there is nothing to report. */
const SUCCESS_CONDITION = "Success";

/** Identifiers, error types and ARNs only: anything else is not logged. */
const LOGGABLE_TOKEN = /^[A-Za-z0-9_.:/$-]{1,256}$/;

/**
 * Reads a {@link LambdaDestinationRecord} from a lifecycle hook's on-failure destination. Throws a
 * `HookFailureRecordError` naming the field that does not fit (an original event without its ids
 * included).
 *
 * @example parseHookFailureRecord({ version: "1.0", requestContext: { condition: "RetriesExhausted", ... }, requestPayload: { DeploymentId: "d-ABC123", LifecycleEventHookExecutionId: "..." } })
 */
export function parseHookFailureRecord(record: unknown): HookFailure {
  if (!isRecord(record)) throw new HookFailureRecordError("the record must be a JSON object");
  if (record.version !== "1.0") {
    throw new HookFailureRecordError('record.version must be "1.0" (a Lambda destination record)');
  }
  const { requestContext, responseContext, responsePayload } = record;
  if (!isRecord(requestContext)) {
    throw new HookFailureRecordError("record.requestContext must be an object");
  }
  const { condition } = requestContext;
  if (typeof condition !== "string" || !LOGGABLE_TOKEN.test(condition)) {
    throw new HookFailureRecordError("record.requestContext.condition must be a condition name");
  }
  if (condition === SUCCESS_CONDITION) {
    throw new HookFailureRecordError(
      "record.requestContext.condition is Success: an on-success record reports nothing",
    );
  }
  if (responseContext !== undefined && !isRecord(responseContext)) {
    throw new HookFailureRecordError("record.responseContext must be an object when present");
  }
  let event: LifecycleHookEvent;
  try {
    event = parseLifecycleHookEvent(record.requestPayload);
  } catch (error) {
    throw new HookFailureRecordError(
      `record.requestPayload is not a lifecycle hook event (${describeError(error)})`,
    );
  }
  return {
    event,
    condition,
    functionArn: token(requestContext.functionArn),
    approximateInvokeCount:
      typeof requestContext.approximateInvokeCount === "number"
        ? requestContext.approximateInvokeCount
        : undefined,
    functionError: token(responseContext?.functionError),
    errorType: isRecord(responsePayload) ? token(responsePayload.errorType) : undefined,
  };
}

export interface ReportHookFailureOptions {
  readonly record: unknown;
  readonly report: HookReporter;
  readonly log: HookLog;
}

export type HookFailureOutcome =
  | { readonly reported: true; readonly deploymentId: string }
  | { readonly reported: false; readonly reason: string };

/** CodeDeploy's answer when the lifecycle event already has a status: the hook did report. */
const ALREADY_COMPLETED = "LifecycleEventAlreadyCompletedException";

/**
 * Reports `Failed` for the lifecycle event in an on-failure destination record. A record it
 * cannot read is logged (field names only) and ignored: throwing would only make Lambda retry a
 * record that will never fit. A failed report throws, so Lambda retries the reporter's own
 * asynchronous invocation.
 */
export async function runHookFailureReporter(
  options: ReportHookFailureOptions,
): Promise<HookFailureOutcome> {
  let failure: HookFailure;
  try {
    failure = parseHookFailureRecord(options.record);
  } catch (error) {
    const reason = describeError(error);
    options.log.error("ignored a record that is not a lifecycle hook failure", { reason });
    return { reported: false, reason };
  }
  const fields = {
    deploymentId: failure.event.deploymentId,
    status: "Failed",
    condition: failure.condition,
    hookFunction: failure.functionArn,
    approximateInvokeCount: failure.approximateInvokeCount,
    functionError: failure.functionError,
    errorType: failure.errorType,
  };
  options.log.error("lifecycle hook invocation failed without reporting; reporting Failed", fields);
  try {
    await options.report(failure.event, "Failed");
  } catch (error) {
    if (error instanceof Error && error.name === ALREADY_COMPLETED) {
      // The hook reported before it failed (or an earlier attempt of this reporter did): the
      // deployment is not waiting for anyone, and a retry would only meet the same answer.
      options.log.info("the lifecycle event already has a status; nothing to report", fields);
      return { reported: false, reason: describeError(error) };
    }
    options.log.error("could not report the failed lifecycle hook to CodeDeploy", {
      ...fields,
      error: describeError(error),
    });
    throw error;
  }
  return { reported: true, deploymentId: failure.event.deploymentId };
}

function token(value: unknown): string | undefined {
  return typeof value === "string" && LOGGABLE_TOKEN.test(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
