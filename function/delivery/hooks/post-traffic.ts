/**
 * The AfterAllowTraffic check: once the new version takes all the traffic, none of the stage's
 * alarms may be in ALARM because of it, and the stage's Function URL must serve the new version
 * and pass the smoke checks (url-smoke.ts).
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

/**
 * The alarm check, then `urlSmoke` (when given): both run, so the hook reports every finding;
 * it passes only when both pass.
 */
export function createPostTrafficCheck(
  ports: PostTrafficPorts,
  alarmNames: readonly string[],
  urlSmoke?: HookCheck,
): HookCheck {
  return async (deploymentId, signal) => {
    const [createdAt, alarms] = await Promise.all([
      ports.deploymentCreatedAt(deploymentId, signal),
      ports.describeAlarms(alarmNames, signal),
    ]);
    const alarmOutcome = evaluateAlarms(alarmNames, alarms, createdAt);
    if (urlSmoke === undefined) return alarmOutcome;
    const urlOutcome = await urlSmoke(deploymentId, signal);
    const passed = alarmOutcome.passed && urlOutcome.passed;
    // The failing check's reasons first: the hook's log leads with why it failed.
    const outcomes = alarmOutcome.passed ? [urlOutcome, alarmOutcome] : [alarmOutcome, urlOutcome];
    return { passed, reasons: outcomes.flatMap((outcome) => outcome.reasons) };
  };
}
