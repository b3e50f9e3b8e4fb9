/**
 * The BeforeAllowTraffic check: find the version the deployment shifts to, invoke it directly
 * (no traffic reaches it yet) with the pipeline's smoke checks and the service's own
 * (function/src/service.ts), and hold every answer to the contract and to its check.
 */
import type { SmokeCheck } from "../../src/service-definition.js";
import { parseAppSpecTarget } from "./appspec.js";
import type { CheckOutcome, HookCheck } from "./lifecycle.js";
import { runSmokeChecks, type SmokeDelivery, smokeCheckToEvent } from "./smoke.js";

/** What Lambda's Invoke returned for one smoke request. */
export interface SmokeInvocation {
  /** `X-Amz-Function-Error` (`Unhandled` when the handler threw or crashed). */
  readonly functionError: string | undefined;
  /** `X-Amz-Executed-Version`: the version that actually ran. */
  readonly executedVersion: string | undefined;
  /** The handler's result as the JSON text Lambda returned. */
  readonly payload: string;
}

/** What the pre-traffic check needs from AWS; `aws.ts` implements it with the SDK clients. */
export interface PreTrafficPorts {
  /** The AppSpec content of the deployment (GetDeployment, else GetApplicationRevision). */
  deploymentAppSpec(deploymentId: string, signal: AbortSignal): Promise<string>;
  /** The `VERSION` variable of a published version, `undefined` when it has none. */
  versionLabel(
    functionName: string,
    version: string,
    signal: AbortSignal,
  ): Promise<string | undefined>;
  /** A synchronous Invoke of one version with one event. */
  invoke(
    functionName: string,
    version: string,
    event: unknown,
    signal: AbortSignal,
  ): Promise<SmokeInvocation>;
}

/** The function's own default when `VERSION` is unset (function/src/config.ts). */
const DEFAULT_VERSION_LABEL = "dev-manual";

/**
 * Turns one Invoke into what the smoke runner checks: a function error or another version
 * answering is a finding; the handler's result is the answer.
 */
export function invocationToDelivery(
  invocation: SmokeInvocation,
  targetVersion: string,
): SmokeDelivery {
  if (invocation.functionError !== undefined) {
    return { answer: undefined, problems: [`the function failed (${invocation.functionError})`] };
  }
  const problems: string[] = [];
  if (invocation.executedVersion !== targetVersion) {
    problems.push(
      `ran version ${invocation.executedVersion ?? "(unknown)"}, expected ${targetVersion}`,
    );
  }
  const result = parseJson(invocation.payload);
  if (result === null || typeof result !== "object" || Array.isArray(result)) {
    return { answer: undefined, problems: [...problems, "the result is not a JSON object"] };
  }
  const { statusCode, headers, body, isBase64Encoded } = result as Record<string, unknown>;
  return { answer: { statusCode, headers, body, isBase64Encoded }, problems };
}

/**
 * @param smokeChecks the service's checks (`service.smokeChecks`); the pipeline's run first.
 */
export function createPreTrafficCheck(
  ports: PreTrafficPorts,
  smokeChecks: readonly SmokeCheck[],
  now: () => Date = () => new Date(),
): HookCheck {
  return async (deploymentId, signal): Promise<CheckOutcome> => {
    const target = parseAppSpecTarget(await ports.deploymentAppSpec(deploymentId, signal));
    const label =
      (await ports.versionLabel(target.functionName, target.targetVersion, signal)) ??
      DEFAULT_VERSION_LABEL;
    const report = await runSmokeChecks(
      smokeChecks,
      async (check, index) => {
        const event = smokeCheckToEvent(check, `${deploymentId}-smoke-${index + 1}`, now());
        const invocation = await ports.invoke(
          target.functionName,
          target.targetVersion,
          event,
          signal,
        );
        return invocationToDelivery(invocation, target.targetVersion);
      },
      { version: label },
    );
    const subject = `${target.functionName} version ${target.targetVersion} (${label})`;
    return report.passed
      ? { passed: true, reasons: [`${subject} passed ${report.checked} smoke checks`] }
      : { passed: false, reasons: [`${subject} failed the smoke checks`, ...report.problems] };
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
