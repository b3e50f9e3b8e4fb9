/**
 * Names of the things a stage's releases touch, as pure functions of the stage config. The stage
 * stack creates resources under these names and the release command (`tools/release`) reads the
 * same names from the same config: no Terraform outputs or live lookups are needed to release.
 */
import { resourceName, type StageConfig } from "./config";
import { permissionsBoundaryArn } from "./constructs/permissions-boundary";

/**
 * The permissions boundary every role of the stage carries (created with the CI roles by the
 * bootstrap stack; the deploy role can create or change a role only with it).
 */
export function stagePermissionsBoundaryArn(config: StageConfig): string {
  return permissionsBoundaryArn(config.account.id, resourceName(config));
}

/** The alias all traffic goes through; CodeDeploy shifts its weights between versions. */
export const LIVE_ALIAS = "live";

export interface DeliveryNames {
  /** The service's Lambda function. */
  readonly functionName: string;
  readonly aliasName: string;
  /** CodeDeploy application (compute platform Lambda). */
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** The BeforeAllowTraffic hook function. */
  readonly preTrafficHookName: string;
  /** The AfterAllowTraffic hook function. */
  readonly postTrafficHookName: string;
  /** The alarms that stop a deployment and roll it back (they watch the new version only). */
  readonly canaryErrorsAlarmName: string;
  readonly canaryDurationAlarmName: string;
  /** The role CodeDeploy assumes to shift traffic, invoke the hooks and read the canary alarms. */
  readonly codeDeployRoleName: string;
}

/**
 * @example deliveryNames(STAGES.dev).deploymentGroupName // "agnostic-lambda-core-dev-live"
 */
export function deliveryNames(config: StageConfig): DeliveryNames {
  return {
    functionName: resourceName(config),
    aliasName: LIVE_ALIAS,
    applicationName: resourceName(config),
    deploymentGroupName: resourceName(config, LIVE_ALIAS),
    preTrafficHookName: resourceName(config, "pre-traffic"),
    postTrafficHookName: resourceName(config, "post-traffic"),
    canaryErrorsAlarmName: resourceName(config, "canary-errors"),
    canaryDurationAlarmName: resourceName(config, "canary-p99-duration"),
    codeDeployRoleName: resourceName(config, "codedeploy"),
  };
}
