/**
 * The CDKTF app (`npm run synth`, `npx cdktf synth|diff|deploy <stack>`): writes
 * `cdktf.out/stacks/<stack>/cdk.tf.json` for `shared`, the `bootstrap-<stage>` stacks, `dev`,
 * `test` and `prod`. Needs no AWS credentials and no network. The image comes from
 * IMAGE_TAG / IMAGE_DIGEST.
 */

import { buildApp } from "./stacks/app";
import { StageConfigError } from "./stacks/config";

/** What a person must fix, without a stack trace that points into the app's own code. */
function isConfigurationProblem(error: unknown): error is Error {
  return (
    error instanceof StageConfigError ||
    (error instanceof Error &&
      (/^IMAGE_/.test(error.message) || error.message.startsWith("Encountered Annotations")))
  );
}

try {
  buildApp().synth();
  if (!process.env.IMAGE_DIGEST) {
    // Synth without a digest is fine for a look at the plan; a test or prod deploy should pin one.
    console.warn(
      `note: test and prod name the image by tag (${process.env.IMAGE_TAG || "unreleased"}); ` +
        "set IMAGE_DIGEST (sha256:...) to deploy exactly the image that was tested",
    );
  }
} catch (error) {
  if (isConfigurationProblem(error)) {
    console.error(`synth stopped: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
