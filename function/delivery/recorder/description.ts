/**
 * Reads the commit and commit time out of a CodeDeploy deployment description, through the
 * parser the release command's writer lives beside (the delivery-records package, the one place
 * that knows the format), and says why when there is nothing usable. Pure.
 */
import { parseDeploymentDescription } from "@agnostic-lambda-core/delivery-records/deployment-description";

export type CommitInfo =
  | { readonly ok: true; readonly commit: string; readonly committedAt: number }
  | { readonly ok: false; readonly reason: string };

export function commitFromDescription(description: string | undefined): CommitInfo {
  if (description === undefined || description.trim() === "") {
    return { ok: false, reason: "the deployment has no description" };
  }
  const parsed = parseDeploymentDescription(description);
  if (parsed === undefined) {
    return {
      ok: false,
      reason:
        "the description carries no valid commit=<sha> committedAt=<ISO-8601> (not started by the release command?)",
    };
  }
  return { ok: true, commit: parsed.commit, committedAt: parsed.committedAt.getTime() };
}
