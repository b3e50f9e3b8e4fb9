/**
 * DORA records: the JSON lines that the release command and the recorder Lambda write, and the
 * report reads. This module is pure: it validates raw values into typed records (timestamps as
 * epoch milliseconds) and merges duplicates by a deterministic record id.
 *
 * deployment: {"type":"deployment","stage":"prod","deploymentId":"d-ABC","commit":"3f2c9e1",
 *              "committedAt":"<ISO>","startedAt":"<ISO>","finishedAt":"<ISO>",
 *              "status":"succeeded"|"failed"|"rolled_back"}
 * incident:   {"type":"incident","stage":"prod","alarm":"<name>","openedAt":"<ISO>",
 *              "resolvedAt":"<ISO>"|null}
 *
 * `commit` and `committedAt` may be `null` (a deployment not started by the release command has no
 * commit in its description): such a deployment counts everywhere except lead time. Unknown extra
 * fields are ignored so that writers can add context without breaking readers.
 */
import { formatTimestamp, parseTimestamp } from "./time.js";

export const DEPLOYMENT_STATUSES = ["succeeded", "failed", "rolled_back"] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** A deployment record as written to a JSON line. */
export interface DeploymentRecordLine {
  readonly type: "deployment";
  readonly stage: string;
  readonly deploymentId: string;
  readonly commit: string | null;
  readonly committedAt: string | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly status: DeploymentStatus;
}

/** An incident record as written to a JSON line. */
export interface IncidentRecordLine {
  readonly type: "incident";
  readonly stage: string;
  readonly alarm: string;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
}

export type RecordLine = DeploymentRecordLine | IncidentRecordLine;

/** A validated deployment, timestamps in epoch milliseconds. */
export interface Deployment {
  readonly type: "deployment";
  readonly stage: string;
  readonly deploymentId: string;
  readonly commit: string | null;
  readonly committedAt: number | null;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly status: DeploymentStatus;
}

/** A validated incident, timestamps in epoch milliseconds; `resolvedAt` null while open. */
export interface Incident {
  readonly type: "incident";
  readonly stage: string;
  readonly alarm: string;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
}

export type DoraRecord = Deployment | Incident;

/** Where a raw record came from (`line 12`, `log event 3712…`) and its text. */
export interface RawRecord {
  readonly location: string;
  readonly text: string;
}

/** A record that was skipped or merged, with where it came from and why. */
export interface RecordProblem {
  readonly location: string;
  readonly message: string;
}

export interface ParsedRecords {
  readonly records: readonly DoraRecord[];
  /** Malformed or conflicting records, each skipped; the rest still count. */
  readonly problems: readonly RecordProblem[];
  /** Exact repeats of a record already read (redelivered events), dropped silently. */
  readonly duplicates: number;
}

export type ValidationResult =
  | { readonly ok: true; readonly record: DoraRecord }
  | { readonly ok: false; readonly reason: string };

/**
 * Deterministic id of a record: the same deployment or incident always gets the same id, whoever
 * wrote it and however often, so repeated records collapse into one.
 */
export function recordId(record: DoraRecord): string {
  return record.type === "deployment"
    ? `deployment/${record.stage}/${record.deploymentId}`
    : `incident/${record.stage}/${record.alarm}/${record.openedAt}`;
}

class RecordError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requiredString(source: Record<string, unknown>, field: string): string {
  const value = source[field];
  if (typeof value !== "string" || value.trim().length === 0) {
    throw new RecordError(`"${field}" must be a non-empty string`);
  }
  return value;
}

function requiredTime(source: Record<string, unknown>, field: string): number {
  const parsed = parseTimestamp(requiredString(source, field));
  if (!parsed.ok) throw new RecordError(`"${field}": ${parsed.reason}`);
  return parsed.epochMs;
}

function nullableString(source: Record<string, unknown>, field: string): string | null {
  const value = source[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.trim().length === 0) {
    throw new RecordError(`"${field}" must be a non-empty string or null`);
  }
  return value;
}

function nullableTime(source: Record<string, unknown>, field: string): number | null {
  const text = nullableString(source, field);
  if (text === null) return null;
  const parsed = parseTimestamp(text);
  if (!parsed.ok) throw new RecordError(`"${field}": ${parsed.reason}`);
  return parsed.epochMs;
}

function toDeployment(source: Record<string, unknown>): Deployment {
  const stage = requiredString(source, "stage");
  const deploymentId = requiredString(source, "deploymentId");
  const commit = nullableString(source, "commit");
  const committedAt = nullableTime(source, "committedAt");
  const startedAt = requiredTime(source, "startedAt");
  const finishedAt = requiredTime(source, "finishedAt");
  const status = source.status;
  if (!(DEPLOYMENT_STATUSES as readonly unknown[]).includes(status)) {
    throw new RecordError(`"status" must be one of ${DEPLOYMENT_STATUSES.join(", ")}`);
  }
  if (finishedAt < startedAt) throw new RecordError(`"finishedAt" is before "startedAt"`);
  if (committedAt !== null && committedAt > finishedAt) {
    throw new RecordError(`"committedAt" is after "finishedAt" (lead time would be negative)`);
  }
  return {
    type: "deployment",
    stage,
    deploymentId,
    commit,
    committedAt,
    startedAt,
    finishedAt,
    status: status as DeploymentStatus,
  };
}

function toIncident(source: Record<string, unknown>): Incident {
  const stage = requiredString(source, "stage");
  const alarm = requiredString(source, "alarm");
  const openedAt = requiredTime(source, "openedAt");
  if (!("resolvedAt" in source)) {
    throw new RecordError(`"resolvedAt" is missing (use null for an open incident)`);
  }
  const resolvedAt = nullableTime(source, "resolvedAt");
  if (resolvedAt !== null && resolvedAt < openedAt) {
    throw new RecordError(`"resolvedAt" is before "openedAt"`);
  }
  return { type: "incident", stage, alarm, openedAt, resolvedAt };
}

/** Validates one decoded JSON value as a DORA record. */
export function validateRecord(value: unknown): ValidationResult {
  if (!isObject(value)) return { ok: false, reason: "not a JSON object" };
  try {
    if (value.type === "deployment") return { ok: true, record: toDeployment(value) };
    if (value.type === "incident") return { ok: true, record: toIncident(value) };
    return { ok: false, reason: `"type" must be "deployment" or "incident"` };
  } catch (error) {
    if (error instanceof RecordError) return { ok: false, reason: error.message };
    throw error;
  }
}

function sameRecord(a: DoraRecord, b: DoraRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Parses raw JSON texts into records. A malformed text is reported with its location and
 * skipped. Records with the same {@link recordId} are merged: exact repeats are dropped (counted
 * in `duplicates`); a resolved incident replaces the open record of the same incident; any other
 * disagreement keeps the first record and reports the later one.
 */
export function parseRecords(raw: Iterable<RawRecord>): ParsedRecords {
  const byId = new Map<string, { record: DoraRecord; location: string }>();
  const problems: RecordProblem[] = [];
  let duplicates = 0;
  for (const { location, text } of raw) {
    if (text.trim().length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      problems.push({ location, message: "not valid JSON" });
      continue;
    }
    const result = validateRecord(value);
    if (!result.ok) {
      problems.push({ location, message: result.reason });
      continue;
    }
    const id = recordId(result.record);
    const existing = byId.get(id);
    if (!existing) {
      byId.set(id, { record: result.record, location });
    } else if (sameRecord(existing.record, result.record)) {
      duplicates += 1;
    } else if (isResolutionOf(result.record, existing.record)) {
      byId.set(id, { record: result.record, location });
    } else if (isResolutionOf(existing.record, result.record)) {
      duplicates += 1;
    } else {
      problems.push({
        location,
        message: `conflicts with ${existing.location} (same ${id}); kept ${existing.location}`,
      });
    }
  }
  return { records: [...byId.values()].map((entry) => entry.record), problems, duplicates };
}

/** `later` is the resolved form of the open incident `earlier`. */
function isResolutionOf(later: DoraRecord, earlier: DoraRecord): boolean {
  return (
    later.type === "incident" &&
    earlier.type === "incident" &&
    earlier.resolvedAt === null &&
    later.resolvedAt !== null
  );
}

/** Splits JSONL text into raw records located by 1-based line number. */
export function linesOf(text: string): RawRecord[] {
  return text.split(/\r?\n/).map((line, index) => ({ location: `line ${index + 1}`, text: line }));
}

/** The JSON-line form of a record (ISO-8601 UTC timestamps). */
export function toRecordLine(record: DoraRecord): RecordLine {
  if (record.type === "deployment") {
    return {
      type: "deployment",
      stage: record.stage,
      deploymentId: record.deploymentId,
      commit: record.commit,
      committedAt: record.committedAt === null ? null : formatTimestamp(record.committedAt),
      startedAt: formatTimestamp(record.startedAt),
      finishedAt: formatTimestamp(record.finishedAt),
      status: record.status,
    };
  }
  return {
    type: "incident",
    stage: record.stage,
    alarm: record.alarm,
    openedAt: formatTimestamp(record.openedAt),
    resolvedAt: record.resolvedAt === null ? null : formatTimestamp(record.resolvedAt),
  };
}
