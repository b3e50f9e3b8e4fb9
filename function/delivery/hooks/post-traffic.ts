/**
 * The AfterAllowTraffic check: once the new version takes all the traffic, none of the stage's
 * alarms may be in ALARM because of it.
 *
 * An alarm that was already in ALARM before the deployment started is about the old version
 * (the hotfix this deployment may well be): it is logged but does not fail the hook, otherwise a
 * broken release could never be repaired by the next one. An alarm that entered ALARM after the
 * deployment started fails it.
 */
import type { CheckOutcome, HookCheck } from "./lifecycle.js";

export interface AlarmSnapshot {
  readonly name: string;
  readonly state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  /** When the state last changed (StateTransitionedTimestamp, else StateUpdatedTimestamp). */
  readonly since: Date | undefined;
}

export interface PostTrafficPorts {
  /** The named metric alarms that exist (names that do not exist are simply absent). */
  describeAlarms(names: readonly string[], signal: AbortSignal): Promise<AlarmSnapshot[]>;
  /** When the deployment was created (GetDeployment's createTime). */
  deploymentCreatedAt(deploymentId: string, signal: AbortSignal): Promise<Date>;
}

/** Pure verdict over the alarms' states; see the module comment for the pre-existing rule. */
export function evaluateAlarms(
  expectedNames: readonly string[],
  alarms: readonly AlarmSnapshot[],
  deploymentCreatedAt: Date,
): CheckOutcome {
  const failures: string[] = [];
  const notes: string[] = [];
  const byName = new Map(alarms.map((alarm) => [alarm.name, alarm]));
  for (const name of expectedNames) {
    const alarm = byName.get(name);
    if (alarm === undefined) {
      failures.push(`alarm ${name} does not exist (ALARM_NAMES and the stack disagree)`);
    } else if (alarm.state === "ALARM") {
      if (alarm.since !== undefined && alarm.since < deploymentCreatedAt) {
        notes.push(
          `alarm ${name} has been in ALARM since ${alarm.since.toISOString()}, before this deployment started: not caused by it`,
        );
      } else {
        failures.push(`alarm ${name} went into ALARM during the deployment`);
      }
    }
  }
  if (failures.length > 0) return { passed: false, reasons: [...failures, ...notes] };
  return {
    passed: true,
    reasons: [
      `none of ${expectedNames.length} alarms went into ALARM during the deployment`,
      ...notes,
    ],
  };
}

export function createPostTrafficCheck(
  ports: PostTrafficPorts,
  alarmNames: readonly string[],
): HookCheck {
  return async (deploymentId, signal) => {
    const [createdAt, alarms] = await Promise.all([
      ports.deploymentCreatedAt(deploymentId, signal),
      ports.describeAlarms(alarmNames, signal),
    ]);
    return evaluateAlarms(alarmNames, alarms, createdAt);
  };
}
