/**
 * The port the release core talks to: what it needs from Lambda and CodeDeploy, in its own
 * terms. `aws-delivery-api.ts` implements it with the AWS SDK v3 clients.
 */

export type DeploymentStatus =
  | "Created"
  | "Queued"
  | "InProgress"
  | "Baking"
  | "Ready"
  | "Succeeded"
  | "Failed"
  | "Stopped";

export interface LifecycleEventState {
  /** BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic. */
  readonly name: string;
  /** Pending, InProgress, Succeeded, Failed, Skipped, Unknown. */
  readonly status: string;
}

/** One look at a deployment: what the progress line and the summary show. */
export interface DeploymentSnapshot {
  readonly deploymentId: string;
  readonly status: DeploymentStatus;
  readonly createdAt: Date | undefined;
  readonly completedAt: Date | undefined;
  /** CodeDeploy's error information, e.g. `ALARM_ACTIVE`, `HOOK_EXECUTION_FAILURE`. */
  readonly error: { readonly code: string; readonly message: string } | undefined;
  /** Set when CodeDeploy rolled the deployment back (by a new deployment). */
  readonly rollback:
    | { readonly deploymentId: string | undefined; readonly message: string | undefined }
    | undefined;
  /** Share of the alias's traffic on the target version, 0 to 1, once CodeDeploy reports it. */
  readonly targetWeight: number | undefined;
  readonly lifecycleEvents: readonly LifecycleEventState[];
}

export interface AliasState {
  readonly version: string;
  /** Extra versions and weights while a shift is under way (`RoutingConfig.AdditionalVersionWeights`). */
  readonly additionalWeights: Readonly<Record<string, number>>;
}

export interface CreateDeploymentInput {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly appSpecContent: string;
  readonly description: string;
}

/** A canary alarm as DescribeAlarms shows it: enough to tell a stale ALARM from a real one. */
export interface CanaryAlarmState {
  readonly name: string;
  /** OK, ALARM or INSUFFICIENT_DATA. */
  readonly state: string;
  /** The `ExecutedVersion` dimension: the version the alarm watches. */
  readonly executedVersion: string | undefined;
  /** When CloudWatch last set the state (StateUpdatedTimestamp). */
  readonly stateUpdatedAt: Date | undefined;
  /** When the alarm was last created or changed, e.g. re-pointed by an apply (AlarmConfigurationUpdatedTimestamp). */
  readonly configurationUpdatedAt: Date | undefined;
}

export interface DeliveryApi {
  alias(functionName: string, aliasName: string): Promise<AliasState>;
  /** The function's published version numbers (never `$LATEST`), in any order. */
  publishedVersions(functionName: string): Promise<string[]>;
  /** Returns the deployment id. */
  createDeployment(input: CreateDeploymentInput): Promise<string>;
  deployment(deploymentId: string): Promise<DeploymentSnapshot>;
  /** Deployments of the group that have not finished yet (newest first). */
  activeDeployments(applicationName: string, deploymentGroupName: string): Promise<string[]>;
  /** The named metric alarms that exist (a missing name is simply absent). */
  alarms(names: readonly string[]): Promise<CanaryAlarmState[]>;
  /** Sets an alarm's state until CloudWatch next evaluates it (SetAlarmState). */
  setAlarmState(name: string, state: "OK", reason: string): Promise<void>;
  /** Stops the deployment and asks CodeDeploy to roll it back. */
  stopDeployment(
    deploymentId: string,
  ): Promise<{ readonly status: string; readonly message: string }>;
}

export const TERMINAL_STATUSES: ReadonlySet<DeploymentStatus> = new Set([
  "Succeeded",
  "Failed",
  "Stopped",
]);

/**
 * Errors worth another try after the SDK's own retries gave up: throttling, 5xx, timeouts and
 * dropped connections. Anything else (access denied, not found, validation) will not heal.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = candidate.$metadata?.httpStatusCode;
  if (typeof status === "number" && (status >= 500 || status === 429)) return true;
  if (candidate.$retryable) return true;
  const name = typeof candidate.name === "string" ? candidate.name : "";
  const code = typeof candidate.code === "string" ? candidate.code : "";
  return (
    /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|TimeoutError|RequestTimeout/.test(
      name,
    ) || ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"].includes(code)
  );
}
