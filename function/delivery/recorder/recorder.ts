/**
 * The DORA recorder: turns CodeDeploy deployment state changes and CloudWatch alarm state changes
 * into DORA records (JSON log lines that `npm run dora -- report --source aws` reads back) and
 * CloudWatch metrics in Embedded Metric Format. Ports (CodeDeploy lookup, log sink, clock) are
 * injected, so this file does no I/O of its own.
 *
 * Idempotency: EventBridge delivers at least once, and a redelivery may reach another container.
 * Before writing, the recorder claims the event's logical key (stage + deployment id + final
 * state, or stage + alarm + state + state time) through the `claim` port (a conditional PutItem
 * on the stage's DynamoDB table, function/delivery/recorder/claims.ts); a key already claimed is a
 * duplicate, so the record and its EMF metrics are written once. A bounded in-memory set of the
 * keys this container handled (the EventBridge event id too) answers warm redeliveries without
 * a call. The claim is the last step that can fail: if CodeDeploy or DynamoDB cannot answer, the
 * handler throws and Lambda's retry finds the key unclaimed.
 */
import {
  type Deployment,
  type DeploymentStatus,
  type DoraRecord,
  type Incident,
  toRecordLine,
  validateRecord,
} from "@agnostic-lambda-core/delivery-records/records";
import { commitFromDescription } from "./description.js";
import { emfDocument, type MetricValue } from "./emf.js";
import type { AlarmStateChange, DeploymentStateChange, IgnoredEvent } from "./events.js";
import { classifyEvent } from "./events.js";

/** The fields of CodeDeploy's `DeploymentInfo` the recorder reads. */
export interface DeploymentDetails {
  readonly status?: string;
  readonly description?: string;
  readonly creator?: string;
  readonly createTime?: Date;
  readonly startTime?: Date;
  readonly completeTime?: Date;
  readonly rollbackInfo?: {
    readonly rollbackDeploymentId?: string;
    readonly rollbackTriggeringDeploymentId?: string;
    readonly rollbackMessage?: string;
  };
}

export interface RecorderSettings {
  readonly stage: string;
  readonly metricsNamespace: string;
  /** Deployments of other CodeDeploy applications are ignored. */
  readonly codeDeployApplication: string;
  /** Alarms whose names do not start with this prefix are ignored. */
  readonly alarmNamePrefix: string;
  /**
   * Alarms of the stage that are not incidents: the canary alarms that gate a deployment (their
   * firing rolls the deployment back, which is recorded as a `rolled_back` deployment).
   */
  readonly excludedAlarmNames: readonly string[];
}

/**
 * Claims a logical event key until `expiresAt` (epoch seconds). Resolves `true` for the first
 * claim, `false` when an unexpired claim exists; throws when the store cannot answer.
 */
export type ClaimEvent = (
  key: string,
  times: { readonly expiresAt: number; readonly now: number },
) => Promise<boolean>;

/** How long a claim keeps a redelivery out; EventBridge gives up on an event within 24 hours. */
export const CLAIM_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

export interface RecorderPorts {
  /** CodeDeploy GetDeployment; throws when CodeDeploy cannot answer. */
  readonly getDeployment: (deploymentId: string) => Promise<DeploymentDetails | undefined>;
  /** Writes one log line (a JSON document, newline included). */
  readonly write: (line: string) => void;
  /** The idempotency store shared by every container of the stage. */
  readonly claim: ClaimEvent;
  readonly now: () => number;
  /** How many handled keys to remember. @default 1000 */
  readonly memory?: number;
}

/** The metric names, as the dashboard reads them. Durations are in seconds. */
export const METRIC_NAMES = {
  deployments: "Deployments",
  failedDeployments: "FailedDeployments",
  rollbacks: "Rollbacks",
  leadTime: "LeadTimeForChanges",
  timeToRestore: "TimeToRestore",
} as const;

const FINAL_STATES: Readonly<Record<string, "SUCCESS" | "FAILURE" | "STOP">> = {
  SUCCESS: "SUCCESS",
  FAILURE: "FAILURE",
  STOP: "STOP",
};

/** What handling one event produced, for tests and for the log. */
export type RecorderOutcome =
  | { readonly outcome: "recorded"; readonly record: DoraRecord }
  | { readonly outcome: "duplicate"; readonly key: string }
  | { readonly outcome: "ignored"; readonly reason: string };

class BoundedSet {
  private readonly keys = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
  }
}

/**
 * The keys of one event: `logical` names what happened (a deployment reaching a final state, an
 * alarm changing state at a time) whatever event carried it, and is what the store claims;
 * `all` adds EventBridge's event id for the in-memory set.
 */
interface EventKeys {
  readonly logical: string;
  readonly all: readonly string[];
}

function eventKeys(eventId: string | undefined, logical: string): EventKeys {
  return { logical, all: [...(eventId ? [`event:${eventId}`] : []), logical] };
}

/** Builds the recorder's event handler around its settings and ports. */
export function createRecorder(settings: RecorderSettings, ports: RecorderPorts) {
  const seen = new BoundedSet(ports.memory ?? 1000);
  const writeJson = (document: unknown) => ports.write(`${JSON.stringify(document)}\n`);
  const log = (level: "INFO" | "WARN", message: string, fields: Record<string, unknown> = {}) =>
    writeJson({ level, message, timestamp: new Date(ports.now()).toISOString(), ...fields });

  const ignore = (event: Pick<IgnoredEvent, "level" | "reason">): RecorderOutcome => {
    log(event.level, "event ignored", { reason: event.reason });
    return { outcome: "ignored", reason: event.reason };
  };

  const emit = async (
    record: DoraRecord,
    metrics: readonly MetricValue[],
    keys: EventKeys,
  ): Promise<RecorderOutcome> => {
    // The record must read back exactly as the report will read it; a failure here is a bug.
    const line = toRecordLine(record);
    const check = validateRecord(line);
    if (!check.ok) return ignore({ level: "WARN", reason: `record rejected: ${check.reason}` });
    // The table is the stage's own; the stage in the key keeps claims unambiguous anyway.
    const logicalKey = `${settings.stage}/${keys.logical}`;
    const nowSeconds = Math.floor(ports.now() / 1000);
    const claimed = await ports.claim(logicalKey, {
      expiresAt: nowSeconds + CLAIM_LIFETIME_SECONDS,
      now: nowSeconds,
    });
    for (const key of keys.all) seen.add(key);
    if (!claimed) {
      log("INFO", "duplicate event ignored", { key: logicalKey });
      return { outcome: "duplicate", key: logicalKey };
    }
    writeJson(line);
    if (metrics.length > 0) {
      writeJson(
        emfDocument({
          namespace: settings.metricsNamespace,
          stage: settings.stage,
          timestamp: ports.now(),
          metrics,
        }),
      );
    }
    return { outcome: "recorded", record };
  };

  const duplicateOf = (keys: EventKeys): RecorderOutcome | undefined => {
    const key = keys.all.find((candidate) => seen.has(candidate));
    if (key === undefined) return undefined;
    log("INFO", "duplicate event ignored", { key });
    return { outcome: "duplicate", key };
  };

  async function onDeployment(event: DeploymentStateChange): Promise<RecorderOutcome> {
    if (event.application !== settings.codeDeployApplication) {
      return ignore({ level: "INFO", reason: `deployment of another application` });
    }
    // Own keys only: a state of "toString" or "constructor" must not find Object.prototype's.
    const finalState = Object.hasOwn(FINAL_STATES, event.state)
      ? FINAL_STATES[event.state]
      : undefined;
    if (finalState === undefined) {
      return ignore({
        level: "INFO",
        reason: `state ${event.state} of ${event.deploymentId} is not final`,
      });
    }
    const keys = eventKeys(event.eventId, `deployment:${event.deploymentId}:${finalState}`);
    const duplicate = duplicateOf(keys);
    if (duplicate) return duplicate;

    // A CodeDeploy failure here throws: the event is valid, so Lambda's asynchronous retries
    // should deliver it again rather than lose the deployment.
    const details = await ports.getDeployment(event.deploymentId);
    if (details === undefined) {
      return ignore({
        level: "WARN",
        reason: `GetDeployment returned no deploymentInfo for ${event.deploymentId}`,
      });
    }
    const triggeredBy = details.rollbackInfo?.rollbackTriggeringDeploymentId;
    if (details.creator === "codeDeployRollback" || triggeredBy) {
      return ignore({
        level: "INFO",
        reason: `${event.deploymentId} is a rollback${triggeredBy ? ` of ${triggeredBy}` : ""}; the failure is counted on the original deployment`,
      });
    }
    const status: DeploymentStatus =
      finalState === "SUCCESS"
        ? "succeeded"
        : details.rollbackInfo?.rollbackDeploymentId
          ? "rolled_back"
          : "failed";
    const finishedAt = details.completeTime?.getTime() ?? event.time ?? ports.now();
    const startedAt = Math.min(
      details.startTime?.getTime() ?? details.createTime?.getTime() ?? finishedAt,
      finishedAt,
    );
    let commit = commitFromDescription(details.description);
    if (commit.ok && commit.committedAt > finishedAt) {
      commit = { ok: false, reason: "committedAt is after the deployment finished" };
    }
    if (!commit.ok) {
      log("INFO", "lead time not recorded", {
        deploymentId: event.deploymentId,
        reason: commit.reason,
      });
    }
    const record: Deployment = {
      type: "deployment",
      stage: settings.stage,
      deploymentId: event.deploymentId,
      commit: commit.ok ? commit.commit : null,
      committedAt: commit.ok ? commit.committedAt : null,
      startedAt,
      finishedAt,
      status,
    };
    const metrics: MetricValue[] = [
      { name: METRIC_NAMES.deployments, unit: "Count", value: 1 },
      {
        name: METRIC_NAMES.failedDeployments,
        unit: "Count",
        value: status === "succeeded" ? 0 : 1,
      },
      { name: METRIC_NAMES.rollbacks, unit: "Count", value: status === "rolled_back" ? 1 : 0 },
    ];
    if (status === "succeeded" && commit.ok) {
      metrics.push({
        name: METRIC_NAMES.leadTime,
        unit: "Seconds",
        value: (finishedAt - commit.committedAt) / 1000,
      });
    }
    return emit(record, metrics, keys);
  }

  async function onAlarm(event: AlarmStateChange): Promise<RecorderOutcome> {
    if (!event.alarmName.startsWith(settings.alarmNamePrefix)) {
      return ignore({ level: "INFO", reason: `alarm of another stage or service` });
    }
    if (settings.excludedAlarmNames.includes(event.alarmName)) {
      return ignore({
        level: "INFO",
        reason: `${event.alarmName} gates deployments; it is not an incident`,
      });
    }
    const { state, previousState } = event;
    const keys = eventKeys(
      event.eventId,
      `alarm:${event.alarmName}:${state.value}:${state.timestamp}`,
    );
    const duplicate = duplicateOf(keys);
    if (duplicate) return duplicate;

    if (state.value === "ALARM" && previousState.value !== "ALARM") {
      const incident: Incident = {
        type: "incident",
        stage: settings.stage,
        alarm: event.alarmName,
        openedAt: state.timestamp,
        resolvedAt: null,
      };
      return emit(incident, [], keys);
    }
    if (state.value === "OK" && previousState.value === "ALARM") {
      if (state.timestamp < previousState.timestamp) {
        return ignore({ level: "WARN", reason: "alarm returned to OK before it entered ALARM" });
      }
      const incident: Incident = {
        type: "incident",
        stage: settings.stage,
        alarm: event.alarmName,
        openedAt: previousState.timestamp,
        resolvedAt: state.timestamp,
      };
      const seconds = (state.timestamp - previousState.timestamp) / 1000;
      return emit(
        incident,
        [{ name: METRIC_NAMES.timeToRestore, unit: "Seconds", value: seconds }],
        keys,
      );
    }
    return ignore({
      level: "INFO",
      reason: `alarm transition ${previousState.value} -> ${state.value} opens or resolves no incident`,
    });
  }

  /** Handles one invocation payload. Throws only when CodeDeploy or the claim store cannot answer. */
  return async function record(event: unknown): Promise<RecorderOutcome> {
    const classified = classifyEvent(event);
    switch (classified.kind) {
      case "deployment":
        return onDeployment(classified);
      case "alarm":
        return onAlarm(classified);
      default:
        return ignore(classified);
    }
  };
}
