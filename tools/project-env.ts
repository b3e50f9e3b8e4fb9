/**
 * Loaded first by every project command (`tsx --import ./tools/project-env.ts ...` in the npm
 * scripts, and by vitest.config.ts for the test run), before any other module. Defaults two
 * environment variables; a value the caller set wins.
 *
 * - `CHECKPOINT_DISABLE=1`: terraform and the cdktf CLI started by project commands make no call
 *   to HashiCorp's checkpoint (telemetry and version check) service.
 * - `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true`: the AWS SDK's ten-line
 *   NodeVersionSupportWarning on Node < 22. The project supports Node 20 (package.json
 *   `engines`), so the warning asks the user for nothing they must do; remove this line when
 *   `engines` moves to Node 22.
 */
process.env.CHECKPOINT_DISABLE ??= "1";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export {};
