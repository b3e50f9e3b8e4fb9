/**
 * {@link DeliveryApi} on the AWS SDK v3 clients (Lambda, CodeDeploy, CloudWatch). Region from the stage config; credentials,
 * and the endpoint when `AWS_ENDPOINT_URL` is set, from the SDK's standard chain. Throttling and
 * transient errors are retried by the SDK's standard retry strategy (exponential backoff with
 * jitter); the release core adds its own polling backoff on top.
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import {
  GetAliasCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
} from "@aws-sdk/client-lambda";
import type { DeliveryApi, DeploymentSnapshot, DeploymentStatus } from "./delivery-api";

export interface AwsDeliveryApiOptions {
  readonly region: string;
  /** Attempts per call, first one included. @default 6 */
  readonly maxAttempts?: number;
}

const ACTIVE_STATUSES = ["Created", "Queued", "InProgress", "Baking", "Ready"] as const;

export function createAwsDeliveryApi(options: AwsDeliveryApiOptions): DeliveryApi {
  const clientOptions = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 6,
    retryMode: "standard",
  } as const;
  const lambda = new LambdaClient(clientOptions);
  const codeDeploy = new CodeDeployClient(clientOptions);
  const cloudWatch = new CloudWatchClient(clientOptions);
  // Lambda deployments have one target (the alias); remember its id instead of listing each poll.
  const targetIds = new Map<string, string>();

  return {
    async alias(functionName, aliasName) {
      const alias = await lambda.send(
        new GetAliasCommand({ FunctionName: functionName, Name: aliasName }),
      );
      if (!alias.FunctionVersion)
        throw new Error(`alias ${functionName}:${aliasName} has no version`);
      return {
        version: alias.FunctionVersion,
        additionalWeights: { ...(alias.RoutingConfig?.AdditionalVersionWeights ?? {}) },
      };
    },

    async publishedVersions(functionName) {
      const versions: string[] = [];
      let marker: string | undefined;
      do {
        const page = await lambda.send(
          new ListVersionsByFunctionCommand({
            FunctionName: functionName,
            Marker: marker,
            MaxItems: 50,
          }),
        );
        for (const version of page.Versions ?? []) {
          if (version.Version && version.Version !== "$LATEST") versions.push(version.Version);
        }
        marker = page.NextMarker;
      } while (marker);
      return versions;
    },

    async createDeployment(input) {
      // CodeDeploy allows one active deployment per group, so should the SDK retry a create whose
      // response was lost, the duplicate is refused (DeploymentLimitExceededException), not run.
      const { deploymentId } = await codeDeploy.send(
        new CreateDeploymentCommand({
          applicationName: input.applicationName,
          deploymentGroupName: input.deploymentGroupName,
          description: input.description,
          revision: {
            revisionType: "AppSpecContent",
            appSpecContent: { content: input.appSpecContent },
          },
        }),
      );
      if (!deploymentId) throw new Error("CodeDeploy returned no deployment id");
      return deploymentId;
    },

    async deployment(deploymentId) {
      const { deploymentInfo: info } = await codeDeploy.send(
        new GetDeploymentCommand({ deploymentId }),
      );
      if (!info?.status) throw new Error(`CodeDeploy returned no status for ${deploymentId}`);
      let targetId = targetIds.get(deploymentId);
      if (targetId === undefined) {
        const { targetIds: ids } = await codeDeploy.send(
          new ListDeploymentTargetsCommand({ deploymentId }),
        );
        targetId = ids?.[0];
        if (targetId !== undefined) targetIds.set(deploymentId, targetId);
      }
      const target =
        targetId === undefined
          ? undefined
          : (await codeDeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId })))
              .deploymentTarget?.lambdaTarget;
      const snapshot: DeploymentSnapshot = {
        deploymentId,
        status: info.status as DeploymentStatus,
        createdAt: info.createTime,
        completedAt: info.completeTime,
        error: info.errorInformation?.code
          ? { code: info.errorInformation.code, message: info.errorInformation.message ?? "" }
          : undefined,
        rollback: info.rollbackInfo
          ? {
              deploymentId: info.rollbackInfo.rollbackDeploymentId,
              message: info.rollbackInfo.rollbackMessage,
            }
          : undefined,
        targetWeight: target?.lambdaFunctionInfo?.targetVersionWeight,
        lifecycleEvents: (target?.lifecycleEvents ?? []).map((event) => ({
          name: event.lifecycleEventName ?? "?",
          status: event.status ?? "Unknown",
        })),
      };
      return snapshot;
    },

    async activeDeployments(applicationName, deploymentGroupName) {
      const { deployments } = await codeDeploy.send(
        new ListDeploymentsCommand({
          applicationName,
          deploymentGroupName,
          includeOnlyStatuses: [...ACTIVE_STATUSES],
        }),
      );
      return deployments ?? [];
    },

    async alarms(names) {
      // The canary alarms are two: one page of DescribeAlarms (up to 100 names) holds them.
      const { MetricAlarms: alarms } = await cloudWatch.send(
        new DescribeAlarmsCommand({ AlarmNames: [...names], AlarmTypes: ["MetricAlarm"] }),
      );
      return (alarms ?? []).flatMap((alarm) =>
        alarm.AlarmName && alarm.StateValue
          ? [
              {
                name: alarm.AlarmName,
                state: alarm.StateValue,
                executedVersion: alarm.Dimensions?.find(
                  (dimension) => dimension.Name === "ExecutedVersion",
                )?.Value,
                stateUpdatedAt: alarm.StateUpdatedTimestamp,
                configurationUpdatedAt: alarm.AlarmConfigurationUpdatedTimestamp,
              },
            ]
          : [],
      );
    },

    async setAlarmState(name, state, reason) {
      await cloudWatch.send(
        new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }),
      );
    },

    async stopDeployment(deploymentId) {
      const result = await codeDeploy.send(
        new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }),
      );
      return { status: result.status ?? "Unknown", message: result.statusMessage ?? "" };
    },
  };
}
