/**
 * The release command's logic, free of SDK clients and process globals: find the current and
 * target versions, create the CodeDeploy deployment, follow it, and decide the outcome and exit
 * code. The CLI (`cli.ts`) wires it to the AWS adapter, the terminal and the clock.
 */

import { formatDeploymentDescription } from "@agnostic-lambda-core/delivery-records/deployment-description";
import type { StageConfig } from "../../stacks/config";
import { deliveryNames } from "../../stacks/names";
import { buildAppSpec } from "./appspec";
import { judgeCanaryAlarms } from "./canary-alarms";
import type { CommitInfo } from "./commit";
import {
  type DeliveryApi,
  type DeploymentSnapshot,
  isTransientAwsError,
  TERMINAL_STATUSES,
} from "./delivery-api";
import { describeProgress, formatDuration, type ProgressLine } from "./progress";
import type { DeploymentOutcome, DeploymentRecord } from "./record";

export const EXIT = { succeeded: 0, failed: 1, usage: 2, timedOut: 3 } as const;

/** A release that cannot start for a reason the operator must fix (exit code 2). */
export class ReleaseConfigurationError extends Error {
  override readonly name = "ReleaseConfigurationError";
}

export interface ReleaseRequest {
  readonly config: StageConfig;
  readonly targetVersion: string | undefined;
  readonly timeoutSeconds: number | undefined;
  readonly wait: boolean;
}

export interface ReleaseDependencies {
  readonly api: DeliveryApi;
  readonly commit: () => CommitInfo;
  readonly now: () => Date;
  readonly sleep: (milliseconds: number) => Promise<void>;
  /** Messages for the operator (one line each). */
  readonly say: (line: string) => void;
  readonly progress: ProgressLine;
  /** First wait between two looks at the deployment. @default 5000 */
  readonly pollIntervalMs?: number;
  /** Longest wait between two looks, reached after transient errors. @default 30000 */
  readonly maxPollIntervalMs?: number;
  /** Transient errors in a row (after the SDK's own retries) before giving up. @default 5 */
  readonly maxConsecutiveErrors?: number;
}

export interface ReleaseResult {
  readonly exitCode: number;
  /** The deployment record, when a deployment ran to an end. */
  readonly record: DeploymentRecord | undefined;
}

/**
 * How long to wait by default: the time the traffic shifting itself takes plus 15 minutes for
 * the hooks, CodeDeploy's own start-up and the final alarm checks.
 */
export function defaultTimeoutSeconds(config: StageConfig): number {
  const shifting = config.delivery.trafficShifting;
  const slack = 15 * 60;
  if (shifting.kind === "all-at-once") return slack;
  if (shifting.kind === "canary") return shifting.intervalMinutes * 60 + slack;
  return Math.ceil(100 / shifting.percentage) * shifting.intervalMinutes * 60 + slack;
}

/** succeeded / rolled back / failed, from a finished deployment. */
export function outcomeOf(snapshot: DeploymentSnapshot): DeploymentOutcome {
  if (snapshot.status === "Succeeded") return "succeeded";
  return snapshot.rollback?.deploymentId ? "rolled_back" : "failed";
}

export async function runRelease(
  request: ReleaseRequest,
  deps: ReleaseDependencies,
): Promise<ReleaseResult> {
  const names = deliveryNames(request.config);
  const stage = request.config.stage;
  const commit = deps.commit();

  const alias = await deps.api.alias(names.functionName, names.aliasName);
  const shifting = Object.entries(alias.additionalWeights);
  if (shifting.length > 0) {
    const [version, weight] = shifting[0] as [string, number];
    deps.say(
      `The ${names.aliasName} alias of ${names.functionName} is shifting traffic (v${version} at ${Math.round(weight * 100)}%): ` +
        `a deployment is in progress. Wait for it, or stop it with: npm run release -- --stage ${stage} --stop`,
    );
    return { exitCode: EXIT.failed, record: undefined };
  }

  const published = (await deps.api.publishedVersions(names.functionName))
    .map(Number)
    .filter((version) => Number.isInteger(version) && version > 0)
    .sort((a, b) => a - b);
  const latest = published.at(-1);
  if (latest === undefined) {
    throw new ReleaseConfigurationError(
      `${names.functionName} has no published version: deploy the stack first (npm run deploy -- --stage ${stage})`,
    );
  }
  const targetVersion = request.targetVersion ?? String(latest);
  if (!published.includes(Number(targetVersion))) {
    throw new ReleaseConfigurationError(
      `--target-version ${targetVersion} is not a published version of ${names.functionName} (published: ${published.join(", ")})`,
    );
  }
  const currentVersion = alias.version;
  if (targetVersion === currentVersion) {
    deps.say(
      `Nothing to release: the ${names.aliasName} alias of ${names.functionName} already serves v${targetVersion}` +
        (Number(targetVersion) === latest ? " (the latest published version)." : "."),
    );
    return { exitCode: EXIT.succeeded, record: undefined };
  }
  if (Number(targetVersion) !== latest) {
    deps.say(
      `Warning: v${targetVersion} is not the latest published version (v${latest}). The canary alarms watch ` +
        `v${latest} (set by the last terraform apply), so only the hooks guard this release.`,
    );
  }

  // CodeDeploy reads the canary alarms as soon as the deployment exists: a stale ALARM left by
  // the old version must be cleared first, and a real one about the target must stop us here.
  const canaryAlarmNames = [names.canaryErrorsAlarmName, names.canaryDurationAlarmName];
  const canary = judgeCanaryAlarms(
    canaryAlarmNames,
    await deps.api.alarms(canaryAlarmNames),
    targetVersion,
    `${stage} v${currentVersion} -> v${targetVersion}, commit ${commit.sha.slice(0, 12)}`,
  );
  for (const note of canary.notes) deps.say(note);
  if (canary.blockers.length > 0) {
    deps.say(
      `Not releasing: ${canary.blockers.join("; ")}. CodeDeploy would stop the deployment at once ` +
        `(ALARM_ACTIVE). The alarm judged v${targetVersion}'s own traffic through the ${names.aliasName} alias ` +
        `(typically an earlier release of it that was rolled back); run the release again once the alarm is OK.`,
    );
    return { exitCode: EXIT.failed, record: undefined };
  }
  for (const reset of canary.resets) {
    await deps.api.setAlarmState(reset.name, "OK", reset.reason);
    deps.say(reset.message);
  }

  const deploymentId = await deps.api.createDeployment({
    applicationName: names.applicationName,
    deploymentGroupName: names.deploymentGroupName,
    appSpecContent: buildAppSpec({
      functionName: names.functionName,
      alias: names.aliasName,
      currentVersion,
      targetVersion,
      preTrafficHook: names.preTrafficHookName,
      postTrafficHook: names.postTrafficHookName,
    }),
    description: formatDeploymentDescription({
      commit: commit.sha,
      committedAt: commit.committedAt,
    }),
  });
  const startedAt = deps.now();
  deps.say(
    `Releasing ${stage}: ${names.functionName} v${currentVersion} -> v${targetVersion} ` +
      `(commit ${commit.sha.slice(0, 12)}) as ${deploymentId}`,
  );
  if (!request.wait) {
    deps.say(
      `Not waiting (--no-wait). Follow it with: aws deploy get-deployment --deployment-id ${deploymentId}`,
    );
    return { exitCode: EXIT.succeeded, record: undefined };
  }

  const timeoutMs = (request.timeoutSeconds ?? defaultTimeoutSeconds(request.config)) * 1000;
  const context = { stage, targetVersion };
  const basePollMs = deps.pollIntervalMs ?? 5000;
  const maxPollMs = deps.maxPollIntervalMs ?? 30_000;
  const maxErrors = deps.maxConsecutiveErrors ?? 5;
  let pollMs = basePollMs;
  let consecutiveErrors = 0;
  let snapshot: DeploymentSnapshot | undefined;

  for (;;) {
    const elapsedMs = deps.now().getTime() - startedAt.getTime();
    try {
      snapshot = await deps.api.deployment(deploymentId);
      consecutiveErrors = 0;
      pollMs = basePollMs;
      deps.progress.update(describeProgress(context, snapshot), elapsedMs);
      if (TERMINAL_STATUSES.has(snapshot.status)) break;
    } catch (error) {
      consecutiveErrors += 1;
      if (!isTransientAwsError(error) || consecutiveErrors >= maxErrors) {
        deps.progress.finish();
        deps.say(
          `Lost track of ${deploymentId}: ${describeError(error)}. The deployment keeps running; ` +
            `check it with: aws deploy get-deployment --deployment-id ${deploymentId}`,
        );
        return { exitCode: EXIT.failed, record: undefined };
      }
      pollMs = Math.min(maxPollMs, pollMs * 2);
    }
    if (deps.now().getTime() - startedAt.getTime() >= timeoutMs) {
      deps.progress.finish();
      const last = snapshot ? describeProgress(context, snapshot) : "no status yet";
      deps.say(
        `Timed out after ${formatDuration(timeoutMs)} waiting for ${deploymentId} (${last}). The deployment keeps running.\n` +
          `Stop it and roll back with: npm run release -- --stage ${stage} --stop --deployment-id ${deploymentId}`,
      );
      return { exitCode: EXIT.timedOut, record: undefined };
    }
    await deps.sleep(pollMs);
  }
  deps.progress.finish();

  const finishedAt = deps.now();
  const outcome = outcomeOf(snapshot);
  deps.say(
    summarize(
      outcome,
      snapshot,
      { stage, currentVersion, targetVersion },
      finishedAt.getTime() - startedAt.getTime(),
    ),
  );
  return {
    exitCode: outcome === "succeeded" ? EXIT.succeeded : EXIT.failed,
    record: {
      type: "deployment",
      stage,
      deploymentId,
      commit: commit.sha,
      committedAt: commit.committedAt.toISOString(),
      startedAt: (snapshot.createdAt ?? startedAt).toISOString(),
      finishedAt: (snapshot.completedAt ?? finishedAt).toISOString(),
      status: outcome,
    },
  };
}

function summarize(
  outcome: DeploymentOutcome,
  snapshot: DeploymentSnapshot,
  versions: { stage: string; currentVersion: string; targetVersion: string },
  durationMs: number,
): string {
  const took = formatDuration(durationMs);
  const { stage, currentVersion, targetVersion } = versions;
  const cause = snapshot.error
    ? `\nCodeDeploy: ${snapshot.error.code}: ${snapshot.error.message}`
    : "";
  if (outcome === "succeeded") {
    return `Release succeeded: ${stage} serves v${targetVersion} (was v${currentVersion}), ${snapshot.deploymentId} in ${took}.`;
  }
  if (outcome === "rolled_back") {
    const rollback = snapshot.rollback;
    return (
      `Release ROLLED BACK: ${stage} stays on v${currentVersion}; ${snapshot.deploymentId} ${snapshot.status.toLowerCase()} after ${took}, ` +
      `rollback deployment ${rollback?.deploymentId}.${cause}` +
      (rollback?.message ? `\nRollback: ${rollback.message}` : "")
    );
  }
  return `Release FAILED: ${snapshot.deploymentId} ${snapshot.status.toLowerCase()} after ${took} without a rollback; check which version the ${stage} alias serves.${cause}`;
}

export interface StopRequest {
  readonly config: StageConfig;
  readonly deploymentId: string | undefined;
}

/** `--stop`: stops the given (or the stage's active) deployment with rollback. */
export async function runStop(
  request: StopRequest,
  deps: Pick<ReleaseDependencies, "api" | "say">,
): Promise<ReleaseResult> {
  const names = deliveryNames(request.config);
  const deploymentId =
    request.deploymentId ??
    (await deps.api.activeDeployments(names.applicationName, names.deploymentGroupName))[0];
  if (deploymentId === undefined) {
    deps.say(`Nothing to stop: no deployment of ${names.deploymentGroupName} is running.`);
    return { exitCode: EXIT.succeeded, record: undefined };
  }
  const result = await deps.api.stopDeployment(deploymentId);
  deps.say(
    `Stop requested for ${deploymentId}: ${result.status}${result.message ? ` (${result.message})` : ""}. ` +
      `CodeDeploy shifts all traffic of the ${names.aliasName} alias back to the previous version.`,
  );
  return { exitCode: EXIT.succeeded, record: undefined };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
