/**
 * The BeforeAllowTraffic check: find the version the deployment shifts to, invoke it directly
 * (no traffic reaches it yet) with the smoke requests, and hold every answer to the contract.
 */
import { parseAppSpecTarget } from "./appspec.js";
import type { CheckOutcome, HookCheck } from "./lifecycle.js";
import {
  checkSmokeInvocation,
  SMOKE_REQUESTS,
  type SmokeInvocation,
  smokeRequestToEvent,
} from "./smoke.js";

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

export function createPreTrafficCheck(
  ports: PreTrafficPorts,
  now: () => Date = () => new Date(),
): HookCheck {
  return async (deploymentId, signal): Promise<CheckOutcome> => {
    const target = parseAppSpecTarget(await ports.deploymentAppSpec(deploymentId, signal));
    const label =
      (await ports.versionLabel(target.functionName, target.targetVersion, signal)) ??
      DEFAULT_VERSION_LABEL;
    const expected = { targetVersion: target.targetVersion, version: label };
    const problems: string[] = [];
    for (const [index, request] of SMOKE_REQUESTS.entries()) {
      const event = smokeRequestToEvent(request, `${deploymentId}-smoke-${index + 1}`, now());
      const invocation = await ports.invoke(
        target.functionName,
        target.targetVersion,
        event,
        signal,
      );
      problems.push(...checkSmokeInvocation(request, invocation, expected));
    }
    const subject = `${target.functionName} version ${target.targetVersion} (${label})`;
    return problems.length === 0
      ? {
          passed: true,
          reasons: [`${subject} answered ${SMOKE_REQUESTS.length} smoke requests as contracted`],
        }
      : { passed: false, reasons: [`${subject} failed the smoke requests`, ...problems] };
  };
}
