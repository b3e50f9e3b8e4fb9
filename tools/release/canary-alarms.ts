/**
 * The canary alarms' state just before a release starts, and what to do about it. Pure.
 *
 * Why: the apply that publishes version N+1 re-points the canary alarms (PutMetricAlarm) at
 * `ExecutedVersion = N+1`, but CloudWatch keeps an updated alarm's state until its next
 * evaluation, up to a minute later. If version N had put an alarm in ALARM (the reason for a
 * hotfix), CodeDeploy would see ALARM_ACTIVE on a deployment created at once and stop the hotfix.
 * A pre-existing alarm on the old version must not block the hotfix that repairs it, so:
 *
 * - ALARM on the target version, set before the alarm's configuration was last updated: the state
 *   belongs to the old version; reset it to OK.
 * - ALARM on another version than the target (e.g. `--target-version` of an older version): it
 *   does not watch this release at all; reset it to OK, with a warning.
 * - ALARM on the target version, set at or after the last configuration update (or when either
 *   time is unknown): CloudWatch judged the new version itself; refuse to start a deployment that
 *   CodeDeploy would stop at once.
 *
 * A reset lasts until the next evaluation, which judges the target version's own metrics.
 */
import type { CanaryAlarmState } from "./delivery-api";

export interface CanaryAlarmReset {
  readonly name: string;
  /** The `StateReason` given to SetAlarmState (CloudWatch allows 1023 characters). */
  readonly reason: string;
  /** The operator's line saying what was reset and why. */
  readonly message: string;
}

export interface CanaryAlarmVerdict {
  /** Warnings for the operator. */
  readonly notes: readonly string[];
  readonly resets: readonly CanaryAlarmReset[];
  /** Alarms in ALARM about the target version: the release must not start. */
  readonly blockers: readonly string[];
}

/**
 * Judges the canary alarms before a release of `targetVersion`; `releaseLabel` (e.g.
 * `dev v7 -> v8, commit 0123456789ab`) names the release in the reset reason.
 *
 * @example judgeCanaryAlarms(["fn-canary-errors"], alarms, "8", "dev v7 -> v8, commit abc")
 */
export function judgeCanaryAlarms(
  expectedNames: readonly string[],
  alarms: readonly CanaryAlarmState[],
  targetVersion: string,
  releaseLabel: string,
): CanaryAlarmVerdict {
  const notes: string[] = [];
  const resets: CanaryAlarmReset[] = [];
  const blockers: string[] = [];
  const byName = new Map(alarms.map((alarm) => [alarm.name, alarm]));
  for (const name of expectedNames) {
    const alarm = byName.get(name);
    if (alarm === undefined) {
      notes.push(
        `Warning: canary alarm ${name} does not exist; CodeDeploy cannot read it and will stop the deployment (is the stack deployed?).`,
      );
      continue;
    }
    if (alarm.state !== "ALARM") continue;
    const watched = alarm.executedVersion;
    if (watched !== targetVersion) {
      const watches = watched === undefined ? "no version" : `v${watched}`;
      resets.push({
        name,
        reason: `release ${releaseLabel}: alarm watches ${watches}, not the target v${targetVersion}; its state does not apply to this release`,
        message:
          `Warning: the canary alarms do not watch this target: ${name} watches ${watches}, not v${targetVersion}. ` +
          `Its ALARM was reset to OK so that it cannot stop this release; only the hooks guard it.`,
      });
    } else if (
      alarm.stateUpdatedAt !== undefined &&
      alarm.configurationUpdatedAt !== undefined &&
      alarm.stateUpdatedAt < alarm.configurationUpdatedAt
    ) {
      resets.push({
        name,
        reason: `release ${releaseLabel}: alarm re-pointed at version ${targetVersion}; the old version's state does not apply`,
        message:
          `Reset ${name} from ALARM to OK: it was re-pointed at v${targetVersion} at ${alarm.configurationUpdatedAt.toISOString()}, ` +
          `after its state was set (${alarm.stateUpdatedAt.toISOString()}); that ALARM was about the old version.`,
      });
    } else {
      const evaluated = alarm.stateUpdatedAt
        ? ` at ${alarm.stateUpdatedAt.toISOString()}, after it was re-pointed`
        : " (when is unknown)";
      blockers.push(`${name} is in ALARM about v${targetVersion} itself: set${evaluated}`);
    }
  }
  return { notes, resets, blockers };
}
