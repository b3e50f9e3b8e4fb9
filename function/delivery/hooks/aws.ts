/**
 * The hooks' ports implemented with the AWS SDK v3 clients: thin translations, no decisions.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from "@aws-sdk/client-codedeploy";
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
} from "@aws-sdk/client-lambda";
import type { HookReporter } from "./lifecycle.js";
import type { AlarmSnapshot, PostTrafficPorts } from "./post-traffic.js";
import type { PreTrafficPorts } from "./pre-traffic.js";

/** Retries for throttling and transient errors come from the SDK's standard retry strategy. */
const CLIENT_OPTIONS = { maxAttempts: 4, retryMode: "standard" } as const;

export interface HookClients {
  readonly lambda: LambdaClient;
  readonly codeDeploy: CodeDeployClient;
  readonly cloudWatch: CloudWatchClient;
}

/** Clients for the Lambda runtime: region and credentials from the environment, as usual. */
export function createHookClients(): HookClients {
  return {
    lambda: new LambdaClient(CLIENT_OPTIONS),
    codeDeploy: new CodeDeployClient(CLIENT_OPTIONS),
    cloudWatch: new CloudWatchClient(CLIENT_OPTIONS),
  };
}

export function codeDeployReporter(codeDeploy: CodeDeployClient): HookReporter {
  return async (event, status) => {
    await codeDeploy.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId: event.deploymentId,
        lifecycleEventHookExecutionId: event.lifecycleEventHookExecutionId,
        status,
      }),
    );
  };
}

export function awsPreTrafficPorts(clients: HookClients): PreTrafficPorts {
  return {
    async deploymentAppSpec(deploymentId, signal) {
      const { deploymentInfo } = await clients.codeDeploy.send(
        new GetDeploymentCommand({ deploymentId }),
        { abortSignal: signal },
      );
      const inline = deploymentInfo?.revision?.appSpecContent?.content;
      if (inline) return inline;
      if (!deploymentInfo?.applicationName || !deploymentInfo.revision) {
        throw new Error(`deployment ${deploymentId} has no application revision`);
      }
      const { revision } = await clients.codeDeploy.send(
        new GetApplicationRevisionCommand({
          applicationName: deploymentInfo.applicationName,
          revision: deploymentInfo.revision,
        }),
        { abortSignal: signal },
      );
      const content = revision?.appSpecContent?.content;
      if (!content) throw new Error(`deployment ${deploymentId} carries no AppSpec content`);
      return content;
    },
    async versionLabel(functionName, version, signal) {
      const configuration = await clients.lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
        { abortSignal: signal },
      );
      return configuration.Environment?.Variables?.VERSION;
    },
    async invoke(functionName, version, event, signal) {
      const output = await clients.lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          Qualifier: version,
          InvocationType: "RequestResponse",
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
        { abortSignal: signal },
      );
      return {
        functionError: output.FunctionError,
        executedVersion: output.ExecutedVersion,
        payload: output.Payload ? new TextDecoder().decode(output.Payload) : "",
      };
    },
  };
}

/** DescribeAlarms takes at most 100 names per call. */
const ALARM_NAMES_PER_CALL = 100;

export function awsPostTrafficPorts(clients: HookClients): PostTrafficPorts {
  return {
    async deploymentCreatedAt(deploymentId, signal) {
      const { deploymentInfo } = await clients.codeDeploy.send(
        new GetDeploymentCommand({ deploymentId }),
        { abortSignal: signal },
      );
      if (!deploymentInfo?.createTime) {
        throw new Error(`deployment ${deploymentId} has no creation time`);
      }
      return deploymentInfo.createTime;
    },
    async describeAlarms(names, signal) {
      const snapshots: AlarmSnapshot[] = [];
      for (let start = 0; start < names.length; start += ALARM_NAMES_PER_CALL) {
        let nextToken: string | undefined;
        do {
          const page = await clients.cloudWatch.send(
            new DescribeAlarmsCommand({
              AlarmNames: names.slice(start, start + ALARM_NAMES_PER_CALL),
              AlarmTypes: ["MetricAlarm"],
              NextToken: nextToken,
            }),
            { abortSignal: signal },
          );
          for (const alarm of page.MetricAlarms ?? []) {
            if (!alarm.AlarmName || !alarm.StateValue) continue;
            snapshots.push({
              name: alarm.AlarmName,
              state: alarm.StateValue,
              since: alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp,
            });
          }
          nextToken = page.NextToken;
        } while (nextToken);
      }
      return snapshots;
    },
  };
}
