/**
 * A scripted Lambda + CodeDeploy + CloudWatch (the canary alarms) for the release command's
 * end-to-end tests, served by the in-process fake endpoint. Each GetDeployment call moves the
 * deployment one frame forward, so a test lays out the whole story (shifting, hooks, failure,
 * rollback) as a list of frames.
 */

import { epochSeconds, type FakeAwsEndpoint, FakeAwsError } from "@agnostic-lambda-core/fake-aws";
import { STAGES } from "../../../../stacks/config";
import { deliveryNames } from "../../../../stacks/names";

export const DEV = deliveryNames(STAGES.dev);
export const DEPLOYMENT_ID = "d-TEST0000001";

export interface Frame {
  readonly status: string;
  readonly weight?: number;
  readonly events?: Readonly<Record<string, string>>;
  readonly error?: { readonly code: string; readonly message: string };
  readonly rollbackDeploymentId?: string;
  readonly rollbackMessage?: string;
}

/** A canary alarm as the fake CloudWatch keeps it; SetAlarmState changes `state` and `stateUpdatedAt`. */
export interface FakeCanaryAlarm {
  readonly name: string;
  state: string;
  readonly executedVersion: string;
  stateUpdatedAt: Date;
  readonly configurationUpdatedAt: Date;
}

/** The times of a canary alarm re-pointed by the last apply a minute ago. */
const REPOINTED_AT = new Date(Date.now() - 60_000);

/** A canary alarm of the dev stage watching `executedVersion`, by default OK since the apply. */
export function canaryAlarm(
  name: string,
  spec: Partial<Omit<FakeCanaryAlarm, "name">> = {},
): FakeCanaryAlarm {
  return {
    name,
    state: spec.state ?? "OK",
    executedVersion: spec.executedVersion ?? "8",
    stateUpdatedAt: spec.stateUpdatedAt ?? new Date(REPOINTED_AT.getTime() + 30_000),
    configurationUpdatedAt: spec.configurationUpdatedAt ?? REPOINTED_AT,
  };
}

export interface ReleaseScenario {
  /** @default both canary alarms OK on the latest published version */
  readonly canaryAlarms?: readonly FakeCanaryAlarm[];
  readonly aliasVersion?: string;
  readonly additionalWeights?: Readonly<Record<string, number>>;
  readonly publishedVersions?: readonly string[];
  readonly frames?: readonly Frame[];
  /** Deployments ListDeployments reports as active. */
  readonly activeDeployments?: readonly string[];
  /** The function does not exist (stack not deployed). */
  readonly functionMissing?: boolean;
  /**
   * The BeforeAllowTraffic hook CodeDeploy runs on the AppSpec the release sent: when it passes,
   * the deployment shifts as `frames` (default SUCCESS_FRAMES) say; when it fails, the
   * deployment fails with HOOK_EXECUTION_FAILURE and rolls back, as CodeDeploy does.
   * @default no hook runs; the frames tell the whole story
   */
  readonly beforeAllowTraffic?: (appSpec: string) => Promise<boolean>;
}

const HOOKS_PENDING = {
  BeforeAllowTraffic: "Pending",
  AllowTraffic: "Pending",
  AfterAllowTraffic: "Pending",
};

/** A linear release: hooks, then 10% → 50% → 100%, then success. */
export const SUCCESS_FRAMES: readonly Frame[] = [
  { status: "Created" },
  {
    status: "InProgress",
    weight: 0,
    events: { ...HOOKS_PENDING, BeforeAllowTraffic: "InProgress" },
  },
  {
    status: "InProgress",
    weight: 0.1,
    events: { ...HOOKS_PENDING, BeforeAllowTraffic: "Succeeded", AllowTraffic: "InProgress" },
  },
  {
    status: "InProgress",
    weight: 0.5,
    events: { ...HOOKS_PENDING, BeforeAllowTraffic: "Succeeded", AllowTraffic: "InProgress" },
  },
  {
    status: "InProgress",
    weight: 1,
    events: {
      BeforeAllowTraffic: "Succeeded",
      AllowTraffic: "Succeeded",
      AfterAllowTraffic: "InProgress",
    },
  },
  {
    status: "Succeeded",
    weight: 1,
    events: {
      BeforeAllowTraffic: "Succeeded",
      AllowTraffic: "Succeeded",
      AfterAllowTraffic: "Succeeded",
    },
  },
];

/** What CodeDeploy does when the BeforeAllowTraffic hook reports Failed: no traffic, rollback. */
export const HOOK_FAILED_FRAMES: readonly Frame[] = [
  {
    status: "InProgress",
    weight: 0,
    events: { ...HOOKS_PENDING, BeforeAllowTraffic: "InProgress" },
  },
  {
    status: "Failed",
    weight: 0,
    events: { ...HOOKS_PENDING, BeforeAllowTraffic: "Failed" },
    error: {
      code: "HOOK_EXECUTION_FAILURE",
      message: "The deployment failed because a lifecycle hook failed.",
    },
    rollbackDeploymentId: "d-ROLLBACK001",
    rollbackMessage: "Deployment d-ROLLBACK001 rolled back the alias",
  },
];

export class FakeReleaseWorld {
  private served = 0;
  readonly createdAt = new Date(Date.now() - 1000);
  /** The fake CloudWatch's canary alarms, as they are after the release. */
  readonly canaryAlarms: FakeCanaryAlarm[];

  constructor(
    readonly endpoint: FakeAwsEndpoint,
    scenario: ReleaseScenario = {},
  ) {
    endpoint.reset();
    const functionName = DEV.functionName;
    const published = scenario.publishedVersions ?? ["1", "2", "3", "4", "5", "6", "7", "8"];
    let frames = scenario.frames ?? SUCCESS_FRAMES;
    let stoppedByAlarm: Frame | undefined;
    this.canaryAlarms = [
      ...(scenario.canaryAlarms ?? [
        canaryAlarm(DEV.canaryErrorsAlarmName, { executedVersion: published.at(-1) }),
        canaryAlarm(DEV.canaryDurationAlarmName, { executedVersion: published.at(-1) }),
      ]),
    ];
    const current = () =>
      frames[Math.min(Math.max(this.served - 1, 0), frames.length - 1)] as Frame;
    const requireFunction = (name: string | undefined) => {
      if (scenario.functionMissing || name !== functionName) {
        throw new FakeAwsError(404, "ResourceNotFoundException", `Function not found: ${name}`);
      }
    };
    const requireDeployment = (id: unknown) => {
      if (id !== DEPLOYMENT_ID) {
        throw new FakeAwsError(
          400,
          "DeploymentDoesNotExistException",
          `no deployment ${String(id)}`,
        );
      }
    };

    endpoint
      .route(
        "GetAlias",
        "GET",
        "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
        ({ params }) => {
          requireFunction(params.FunctionName);
          return {
            body: {
              AliasArn: `arn:aws:lambda:eu-west-1:111111111111:function:${functionName}:${params.Name}`,
              Name: params.Name,
              FunctionVersion: scenario.aliasVersion ?? "7",
              ...(scenario.additionalWeights
                ? { RoutingConfig: { AdditionalVersionWeights: scenario.additionalWeights } }
                : {}),
            },
          };
        },
      )
      .route(
        "ListVersionsByFunction",
        "GET",
        "/2015-03-31/functions/{FunctionName}/versions",
        ({ params, query }) => {
          requireFunction(params.FunctionName);
          // Pages of three, to prove the command follows NextMarker.
          const all = ["$LATEST", ...published];
          const start = Number(query.get("Marker") ?? "0");
          const page = all.slice(start, start + 3);
          const next = start + 3 < all.length ? String(start + 3) : undefined;
          return {
            body: {
              Versions: page.map((version) => ({ FunctionName: functionName, Version: version })),
              ...(next ? { NextMarker: next } : {}),
            },
          };
        },
      )
      .target("CodeDeploy_20141006.CreateDeployment", async ({ json }) => {
        if (json.applicationName !== DEV.applicationName) {
          throw new FakeAwsError(400, "ApplicationDoesNotExistException", "No application found");
        }
        if (json.deploymentGroupName !== DEV.deploymentGroupName) {
          throw new FakeAwsError(
            400,
            "DeploymentGroupDoesNotExistException",
            "No deployment group",
          );
        }
        // Like CodeDeploy, which polls the group's alarms at once: one in ALARM stops the deployment.
        const active = this.canaryAlarms.filter((alarm) => alarm.state === "ALARM");
        if (active.length > 0) {
          stoppedByAlarm = {
            status: "Stopped",
            error: {
              code: "ALARM_ACTIVE",
              message: `One or more alarms have been activated: ${active.map((alarm) => alarm.name).join(", ")}`,
            },
          };
        }
        if (scenario.beforeAllowTraffic !== undefined) {
          const revision = json.revision as { appSpecContent?: { content?: string } } | undefined;
          const passed = await scenario.beforeAllowTraffic(revision?.appSpecContent?.content ?? "");
          if (!passed) frames = HOOK_FAILED_FRAMES;
        }
        return { body: { deploymentId: DEPLOYMENT_ID } };
      })
      .target("CodeDeploy_20141006.GetDeployment", ({ json }) => {
        requireDeployment(json.deploymentId);
        this.served += 1;
        const frame = stoppedByAlarm ?? current();
        const finished = ["Succeeded", "Failed", "Stopped"].includes(frame.status);
        return {
          body: {
            deploymentInfo: {
              deploymentId: DEPLOYMENT_ID,
              applicationName: DEV.applicationName,
              deploymentGroupName: DEV.deploymentGroupName,
              status: frame.status,
              createTime: epochSeconds(this.createdAt),
              ...(finished ? { completeTime: epochSeconds(new Date()) } : {}),
              ...(frame.error ? { errorInformation: frame.error } : {}),
              ...(frame.rollbackDeploymentId
                ? {
                    rollbackInfo: {
                      rollbackDeploymentId: frame.rollbackDeploymentId,
                      rollbackMessage: frame.rollbackMessage,
                    },
                  }
                : {}),
            },
          },
        };
      })
      .target("CodeDeploy_20141006.ListDeploymentTargets", ({ json }) => {
        requireDeployment(json.deploymentId);
        return {
          body: { targetIds: current().weight === undefined ? [] : [`${functionName}:live`] },
        };
      })
      .target("CodeDeploy_20141006.GetDeploymentTarget", ({ json }) => {
        requireDeployment(json.deploymentId);
        const frame = current();
        return {
          body: {
            deploymentTarget: {
              deploymentTargetType: "LambdaTarget",
              lambdaTarget: {
                deploymentId: DEPLOYMENT_ID,
                targetId: json.targetId,
                status: frame.status,
                lifecycleEvents: Object.entries(frame.events ?? {}).map(([name, status]) => ({
                  lifecycleEventName: name,
                  status,
                })),
                lambdaFunctionInfo: {
                  functionName,
                  functionAlias: "live",
                  currentVersion: scenario.aliasVersion ?? "7",
                  targetVersion: published.at(-1),
                  targetVersionWeight: frame.weight ?? 0,
                },
              },
            },
          },
        };
      })
      .target("CodeDeploy_20141006.ListDeployments", ({ json }) => {
        if (json.deploymentGroupName !== DEV.deploymentGroupName) {
          throw new FakeAwsError(
            400,
            "DeploymentGroupDoesNotExistException",
            "No deployment group",
          );
        }
        return { body: { deployments: [...(scenario.activeDeployments ?? [])] } };
      })
      // CloudWatch speaks awsJson 1.0 in the SDK version this project uses.
      .target("GraniteServiceVersion20100801.DescribeAlarms", ({ json }) => {
        const names = (json.AlarmNames as string[] | undefined) ?? [];
        return {
          body: {
            MetricAlarms: this.canaryAlarms
              .filter((alarm) => names.includes(alarm.name))
              .map((alarm) => ({
                AlarmName: alarm.name,
                StateValue: alarm.state,
                Dimensions: [
                  { Name: "FunctionName", Value: functionName },
                  { Name: "Resource", Value: `${functionName}:live` },
                  { Name: "ExecutedVersion", Value: alarm.executedVersion },
                ],
                StateUpdatedTimestamp: epochSeconds(alarm.stateUpdatedAt),
                AlarmConfigurationUpdatedTimestamp: epochSeconds(alarm.configurationUpdatedAt),
              })),
          },
        };
      })
      .target("GraniteServiceVersion20100801.SetAlarmState", ({ json }) => {
        const alarm = this.canaryAlarms.find((candidate) => candidate.name === json.AlarmName);
        if (!alarm) throw new FakeAwsError(404, "ResourceNotFound", "alarm does not exist");
        alarm.state = String(json.StateValue);
        alarm.stateUpdatedAt = new Date();
        return { body: {} };
      })
      .target("CodeDeploy_20141006.StopDeployment", ({ json }) => {
        requireDeployment(json.deploymentId);
        return { body: { status: "Pending", statusMessage: "Stop request is pending" } };
      });
  }
}
