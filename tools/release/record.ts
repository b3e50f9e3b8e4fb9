/**
 * The deployment record the release command writes for the DORA report (tools/dora reads it):
 * one JSON line per finished deployment.
 */

export type DeploymentOutcome = "succeeded" | "failed" | "rolled_back";

export interface DeploymentRecord {
  readonly type: "deployment";
  readonly stage: string;
  readonly deploymentId: string;
  readonly commit: string;
  /** ISO 8601. */
  readonly committedAt: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly status: DeploymentOutcome;
}

/** The record as one line of JSON, newline included, keys in the documented order. */
export function formatDeploymentRecord(record: DeploymentRecord): string {
  const ordered: DeploymentRecord = {
    type: "deployment",
    stage: record.stage,
    deploymentId: record.deploymentId,
    commit: record.commit,
    committedAt: record.committedAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    status: record.status,
  };
  return `${JSON.stringify(ordered)}\n`;
}
