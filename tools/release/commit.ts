/**
 * The commit being released and when it was committed, for the deployment description (lead
 * time for changes). CI gives the commit in `GITHUB_SHA`; git gives its committer date.
 */
import { spawnSync } from "node:child_process";

export interface CommitInfo {
  readonly sha: string;
  readonly committedAt: Date;
}

/** The commit cannot be determined: configuration problem (exit code 2). */
export class CommitLookupError extends Error {
  override readonly name = "CommitLookupError";
}

/** Runs git with arguments and returns its standard output, or throws with its error output. */
export type GitRunner = (args: readonly string[]) => string;

export const runGit: GitRunner = (args) => {
  const result = spawnSync("git", [...args], { encoding: "utf8" });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(result.stderr.trim() || `git exited with ${result.status}`);
  return result.stdout;
};

/** `GITHUB_SHA` (or `HEAD`) and its committer date (`git log -1 --format=%H %cI`). */
export function readCommit(
  env: Readonly<Record<string, string | undefined>>,
  git: GitRunner = runGit,
): CommitInfo {
  const revision = env.GITHUB_SHA?.trim() || "HEAD";
  let output: string;
  try {
    output = git(["log", "-1", "--format=%H %cI", revision, "--"]);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new CommitLookupError(
      `cannot read commit ${revision} with git (${reason}); run the release from the repository checkout with that commit fetched, or set GITHUB_SHA to a commit it has`,
    );
  }
  const [sha, committedAtText] = output.trim().split(" ");
  const committedAt = new Date(committedAtText ?? "");
  if (!sha || !/^[0-9a-f]{40,64}$/.test(sha) || Number.isNaN(committedAt.getTime())) {
    throw new CommitLookupError(
      `git returned no commit and date for ${revision}: "${output.trim()}"`,
    );
  }
  return { sha, committedAt };
}
