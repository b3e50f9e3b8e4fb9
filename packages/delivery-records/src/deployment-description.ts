/**
 * The CodeDeploy deployment description the release command writes, and its parser: the one
 * place that knows the format. The DORA recorder (function/delivery/recorder) reads commit and
 * commit time back from deployments to measure lead time, so the format is a contract: keep it
 * stable.
 *
 * Format: `commit=<git sha, 7-64 hex> committedAt=<ISO 8601 UTC, seconds>`, e.g.
 * `commit=3f2c9e1b0a4d5c6e7f8091a2b3c4d5e6f7081920 committedAt=2026-03-02T09:00:00Z`.
 * The parser ignores any other `key=value` words, so a future writer may append context.
 * Kept short on purpose (80 characters for a full SHA-1 id): CodeDeploy rejects descriptions it
 * finds too long (DescriptionTooLongException).
 */

export interface DeploymentDescription {
  /** Lower-case hexadecimal git commit id. */
  readonly commit: string;
  /** When the commit was made (the committer date: when it landed on the branch). */
  readonly committedAt: Date;
}

/** A value that cannot go into a description; the message names the field. */
export class DeploymentDescriptionError extends Error {
  override readonly name = "DeploymentDescriptionError";
}

const COMMIT = /^[0-9a-f]{7,64}$/;

/**
 * @example formatDeploymentDescription({ commit: "3f2c9e1", committedAt: new Date("2026-03-02T09:00:00Z") })
 * // "commit=3f2c9e1 committedAt=2026-03-02T09:00:00Z"
 */
export function formatDeploymentDescription(description: DeploymentDescription): string {
  const commit = description.commit.toLowerCase();
  if (!COMMIT.test(commit)) {
    throw new DeploymentDescriptionError(
      `commit must be a git commit id (7 to 64 hexadecimal digits), got "${description.commit}"`,
    );
  }
  if (Number.isNaN(description.committedAt.getTime())) {
    throw new DeploymentDescriptionError("committedAt must be a valid date");
  }
  const committedAt = description.committedAt.toISOString().replace(/\.\d{3}Z$/, "Z");
  return `commit=${commit} committedAt=${committedAt}`;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads commit and commit time back from a description; `undefined` when the deployment was
 * not started by the release command (console, other tools) or the values are malformed.
 */
export function parseDeploymentDescription(
  text: string | null | undefined,
): DeploymentDescription | undefined {
  if (!text) return undefined;
  const fields = new Map<string, string>();
  for (const word of text.trim().split(/\s+/)) {
    const separator = word.indexOf("=");
    if (separator > 0) fields.set(word.slice(0, separator), word.slice(separator + 1));
  }
  const commit = fields.get("commit")?.toLowerCase();
  const committedAtText = fields.get("committedAt");
  if (!commit || !COMMIT.test(commit) || !committedAtText || !ISO_8601.test(committedAtText)) {
    return undefined;
  }
  const committedAt = new Date(committedAtText);
  if (Number.isNaN(committedAt.getTime())) return undefined;
  return { commit, committedAt };
}
