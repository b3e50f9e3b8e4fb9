/**
 * The deployment hooks bundle (`function/dist/hooks.mjs`), packaged in the same image as the API:
 * the hook functions set `image_config.command` to `hooks.preTraffic` or `hooks.postTraffic`, and
 * their on-failure destination sets it to `hooks.reportHookFailure`.
 * The settings and clients are created once per container; a malformed setting does not crash
 * the init (which would never report to CodeDeploy) but makes every invocation report `Failed`.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { service } from "../../src/service.js";
import {
  awsPostTrafficPorts,
  awsPreTrafficPorts,
  codeDeployReporter,
  createHookClients,
} from "./aws.js";
import { DEFAULT_SAFETY_MARGIN_MS, type HookSettings, readHookSettings } from "./config.js";
import { type HookFailureOutcome, runHookFailureReporter } from "./hook-failure.js";
import { type HookCheck, type HookLog, type HookResult, runLifecycleHook } from "./lifecycle.js";
import { createPostTrafficCheck } from "./post-traffic.js";
import { createPreTrafficCheck } from "./pre-traffic.js";
import { createUrlSmokeCheck, fetchUrlPorts } from "./url-smoke.js";

let settings: HookSettings | undefined;
let settingsError: unknown;
try {
  settings = readHookSettings(process.env);
} catch (error) {
  settingsError = error;
}

const clients = createHookClients();
// The hook functions set POWERTOOLS_SERVICE_NAME to their own name (ContainerFunction does).
const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "agnostic-lambda-core-hooks",
});
const log: HookLog = {
  info: (message, fields) => logger.info(message, { ...fields }),
  error: (message, fields) => logger.error(message, { ...fields }),
};
const report = codeDeployReporter(clients.codeDeploy);

function failing(error: unknown): HookCheck {
  return async () => {
    throw error;
  };
}

function run(
  hook: string,
  check: HookCheck,
  event: unknown,
  context: Context,
): Promise<HookResult> {
  return runLifecycleHook({
    hook,
    event,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    safetyMarginMs: settings?.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS,
    check,
    report,
    log,
  });
}

/** An AWS_IAM Function URL needs SigV4-signed requests, which the hook does not make (yet). */
const skippedUrlSmoke: HookCheck = async () => ({
  passed: true,
  reasons: ["the Function URL requires AWS_IAM auth: the URL smoke did not run"],
});

const preTrafficCheck = settings
  ? createPreTrafficCheck(awsPreTrafficPorts(clients), service.smokeChecks)
  : failing(settingsError);

const postTrafficCheck = !settings
  ? failing(settingsError)
  : settings.alarmNames === undefined
    ? failing(new Error("environment variable ALARM_NAMES must list the alarms to check"))
    : settings.functionUrl === undefined
      ? failing(new Error("environment variable FUNCTION_URL must name the stage's Function URL"))
      : createPostTrafficCheck(
          awsPostTrafficPorts(clients),
          settings.alarmNames,
          settings.functionUrlAuthType === "AWS_IAM"
            ? skippedUrlSmoke
            : createUrlSmokeCheck(
                { ...awsPreTrafficPorts(clients), ...fetchUrlPorts() },
                { functionUrl: settings.functionUrl, smokeChecks: service.smokeChecks },
              ),
        );

/** BeforeAllowTraffic: run the service's smoke checks (service.ts) on the target version before it gets traffic. */
export const preTraffic = (event: unknown, context: Context): Promise<HookResult> =>
  run("BeforeAllowTraffic", preTrafficCheck, event, context);

/**
 * AfterAllowTraffic: no alarm may have gone into ALARM while the traffic shifted, and the
 * Function URL must serve the new version and pass the smoke checks.
 */
export const postTraffic = (event: unknown, context: Context): Promise<HookResult> =>
  run("AfterAllowTraffic", postTrafficCheck, event, context);

/**
 * On-failure destination of both hooks: Lambda invokes it with the invocation record of a hook
 * that failed hard (crash, out of memory, Lambda timeout), and it reports `Failed` for that hook.
 */
export const reportHookFailure = (record: unknown): Promise<HookFailureOutcome> =>
  runHookFailureReporter({ record, report, log });
