/**
 * Recognises the events the recorder handles and converts them into small typed values. Pure:
 * every input is `unknown`, every field is checked, and anything unexpected becomes an `ignored`
 * value with a short reason (never the event body, which may be large or sensitive).
 *
 * - EventBridge `CodeDeploy Deployment State-change Notification` (source `aws.codedeploy`)
 * - EventBridge `CloudWatch Alarm State Change` (source `aws.cloudwatch`, fields under `detail`)
 * - CloudWatch alarm Lambda action (source `aws.cloudwatch`, fields under `alarmData`)
 */
import { parseAwsTimestamp } from "./timestamps.js";

export const DEPLOYMENT_STATE_CHANGE = "CodeDeploy Deployment State-change Notification";
export const ALARM_STATE_CHANGE = "CloudWatch Alarm State Change";

export interface DeploymentStateChange {
  readonly kind: "deployment";
  /** EventBridge's event id; redeliveries of one event share it. */
  readonly eventId: string | undefined;
  readonly application: string;
  readonly deploymentGroup: string | undefined;
  readonly deploymentId: string;
  /** START, SUCCESS, FAILURE, STOP, READY (CodeDeploy's names). */
  readonly state: string;
  /** The event's `time`, epoch milliseconds, when present and valid. */
  readonly time: number | undefined;
}

export interface AlarmState {
  readonly value: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

export interface AlarmStateChange {
  readonly kind: "alarm";
  readonly eventId: string | undefined;
  readonly alarmName: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
}

export interface IgnoredEvent {
  readonly kind: "ignored";
  /** INFO for events that are valid but carry nothing to record; WARN for malformed ones. */
  readonly level: "INFO" | "WARN";
  readonly reason: string;
}

export type RecorderEvent = DeploymentStateChange | AlarmStateChange | IgnoredEvent;

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** A short, printable excerpt of an untrusted string for a log reason. */
function excerpt(value: unknown): string {
  if (typeof value !== "string") return typeof value;
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(printable.length > 64 ? `${printable.slice(0, 64)}…` : printable);
}

const ignored = (level: IgnoredEvent["level"], reason: string): IgnoredEvent => ({
  kind: "ignored",
  level,
  reason,
});

/** Converts any invocation payload into a recorder event or an `ignored` with its reason. */
export function classifyEvent(event: unknown): RecorderEvent {
  if (!isObject(event)) return ignored("WARN", "the event is not a JSON object");
  const source = event.source;
  const detailType = event["detail-type"];
  if (source === "aws.codedeploy" && detailType === DEPLOYMENT_STATE_CHANGE) {
    return deploymentStateChange(event);
  }
  if (source === "aws.cloudwatch" && detailType === ALARM_STATE_CHANGE) {
    return alarmStateChange(event.detail, text(event.id), "detail");
  }
  if (source === "aws.cloudwatch" && detailType === undefined && isObject(event.alarmData)) {
    // The alarm's Lambda action has no EventBridge id; the alarm ARN and state time identify it.
    return alarmStateChange(event.alarmData, undefined, "alarmData");
  }
  return ignored(
    "INFO",
    `unsupported event (source ${excerpt(source)}, detail-type ${excerpt(detailType)})`,
  );
}

function deploymentStateChange(event: Fields): RecorderEvent {
  const detail = event.detail;
  if (!isObject(detail)) return ignored("WARN", "CodeDeploy event without a detail object");
  const application = text(detail.application);
  const deploymentId = text(detail.deploymentId);
  const state = text(detail.state);
  if (!application || !deploymentId || !state) {
    return ignored("WARN", "CodeDeploy event without detail.application, deploymentId or state");
  }
  const time = parseAwsTimestamp(event.time);
  return {
    kind: "deployment",
    eventId: text(event.id),
    application,
    deploymentGroup: text(detail.deploymentGroup),
    deploymentId,
    state,
    time: time.ok ? time.epochMs : undefined,
  };
}

function alarmState(value: unknown, path: string): AlarmState | IgnoredEvent {
  if (!isObject(value)) return ignored("WARN", `alarm event without ${path}`);
  const stateValue = text(value.value);
  if (!stateValue) return ignored("WARN", `alarm event without ${path}.value`);
  const timestamp = parseAwsTimestamp(value.timestamp);
  if (!timestamp.ok) {
    return ignored("WARN", `alarm event ${path}.timestamp rejected: ${timestamp.reason}`);
  }
  return { value: stateValue, timestamp: timestamp.epochMs };
}

function alarmStateChange(
  body: unknown,
  eventId: string | undefined,
  path: "detail" | "alarmData",
): RecorderEvent {
  if (!isObject(body)) return ignored("WARN", `alarm event without a ${path} object`);
  const alarmName = text(body.alarmName);
  if (!alarmName) return ignored("WARN", `alarm event without ${path}.alarmName`);
  const state = alarmState(body.state, `${path}.state`);
  if ("kind" in state) return state;
  const previousState = alarmState(body.previousState, `${path}.previousState`);
  if ("kind" in previousState) return previousState;
  return { kind: "alarm", eventId, alarmName, state, previousState };
}
