/**
 * The CDKTF app (`npm run synth`, `npx cdktf synth|diff|deploy <stack>`): writes
 * `cdktf.out/stacks/<stack>/cdk.tf.json` for `shared`, the `bootstrap-<stage>` stacks, `dev`,
 * `test` and `prod`. Needs no AWS credentials and no network. The image comes from
 * IMAGE_TAG / IMAGE_DIGEST.
 *
 * Prints one line per stack and one line counting the guardrail waivers; `--verbose` (or
 * SYNTH_VERBOSE=1) lists each waiver, and `cdktf.out/manifest.json` keeps them as warnings.
 * Everything informational goes to stdout: the cdktf CLI labels the app's stderr `[ERROR]`.
 */
import { join, relative } from "node:path";
import { buildApp, synthesizedStacks } from "./stacks/app";
import { StageConfigError } from "./stacks/config";

/** What a person must fix, without a stack trace that points into the app's own code. */
function isConfigurationProblem(error: unknown): error is Error {
  return (
    error instanceof StageConfigError ||
    (error instanceof Error &&
      (/^IMAGE_/.test(error.message) || error.message.startsWith("Encountered Annotations")))
  );
}

const verbose = process.argv.includes("--verbose") || process.env.SYNTH_VERBOSE === "1";

try {
  const app = buildApp();
  app.synth();
  const stacks = synthesizedStacks(app);
  // Synth without a digest is fine for a look at the plan; a deploy should pin the tested image.
  const byTag = process.env.IMAGE_DIGEST
    ? ""
    : ` (image by tag ${process.env.IMAGE_TAG || "unreleased"}; set IMAGE_DIGEST=sha256:... to deploy exactly the tested image)`;
  for (const { id } of stacks) {
    const file = relative(process.cwd(), join(app.outdir, "stacks", id, "cdk.tf.json"));
    console.log(`synthesized ${id} → ${file}${id === "test" || id === "prod" ? byTag : ""}`);
  }
  const waived = stacks.flatMap((stack) => stack.appliedWaivers);
  const perStack = stacks
    .filter((stack) => stack.appliedWaivers.length > 0)
    .map((stack) => `${stack.appliedWaivers.length} in ${stack.id}`);
  console.log(
    `guardrails: ${waived.length} waiver${waived.length === 1 ? "" : "s"} applied` +
      (perStack.length > 0 ? ` (${perStack.join(", ")})` : "") +
      (waived.length > 0 && !verbose
        ? "; list them with npm run synth -- --verbose (manifest.json keeps them)"
        : ""),
  );
  if (verbose) {
    for (const waiver of waived) {
      console.log(
        `  [${waiver.ruleId}] ${waiver.path}: ${waiver.reason} (would fail: ${waiver.problems.join("; ")})`,
      );
    }
  }
} catch (error) {
  if (isConfigurationProblem(error)) {
    console.error(`synth stopped: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
