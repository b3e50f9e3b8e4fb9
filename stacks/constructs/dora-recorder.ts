import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import {
  architectureOf,
  doraRecorderNames,
  type ImageSelection,
  PROJECT,
  resourceName,
  type StageConfig,
} from "../config";
import { deliveryNames, stagePermissionsBoundaryArn } from "../names";
import { ContainerFunction } from "./container-function";
import { policyDocument } from "./policy-document";

/** `image_config.command` of the recorder: function/dist/recorder.mjs, export `handler`. */
export const RECORDER_COMMAND = "recorder.handler";

/** The recorder's application log level, the same in every stage (see the construct). */
export const RECORDER_LOG_LEVEL = "INFO";

/**
 * The idempotency table's hash key and TTL attribute, as function/delivery/recorder/claims.ts writes
 * them (the function bundle cannot import the stacks, so the two are kept equal by tests).
 */
export const IDEMPOTENCY_KEY_ATTRIBUTE = "id";
export const IDEMPOTENCY_EXPIRY_ATTRIBUTE = "expiresAt";

/** The CodeDeploy states that end a deployment; the recorder turns each into a record. */
export const FINAL_DEPLOYMENT_STATES = ["SUCCESS", "FAILURE", "STOP"] as const;

export interface DoraRecorderProps {
  readonly config: StageConfig;
  /** The service image; the recorder is another handler in it. */
  readonly image: ImageSelection;
  /** @default 256 */
  readonly memoryMb?: number;
  /** Room for CodeDeploy GetDeployment with the SDK's retries. @default 30 */
  readonly timeoutSeconds?: number;
}

/**
 * The DORA recorder of one stage: a function from the service image (handler `recorder.handler`)
 * that EventBridge invokes for this stage's CodeDeploy deployment state changes and alarm state
 * changes. It writes DORA records and Embedded Metric Format metrics to its own log group, whose
 * retention (`config.dora.recordRetentionDays`) is how long the `--source aws` report can look
 * back. Its role may write its logs, read this stage's deployments and claim events in the
 * stage's idempotency table, nothing else: EMF needs no `cloudwatch:PutMetricData`.
 */
export class DoraRecorder extends Construct {
  readonly function: ContainerFunction;
  /** One item per handled event, so a redelivery to another container is recognised. */
  readonly idempotencyTable: DynamodbTable;
  readonly deploymentRule: CloudwatchEventRule;
  readonly alarmRule: CloudwatchEventRule;
  readonly targets: readonly CloudwatchEventTarget[];
  readonly permissions: readonly LambdaPermission[];

  constructor(scope: Construct, id: string, props: DoraRecorderProps) {
    super(scope, id);
    const { config, image } = props;
    const { id: accountId, region } = config.account;
    const names = doraRecorderNames(config);
    const delivery = deliveryNames(config);

    this.idempotencyTable = new DynamodbTable(this, "idempotency-table", {
      name: names.idempotencyTableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: IDEMPOTENCY_KEY_ATTRIBUTE,
      attribute: [{ name: IDEMPOTENCY_KEY_ATTRIBUTE, type: "S" }],
      // Claims expire after 7 days; the recorder also treats an expired, not yet deleted item as absent.
      ttl: { attributeName: IDEMPOTENCY_EXPIRY_ATTRIBUTE, enabled: true },
      // The AWS managed key (aws/dynamodb): its key policy lets the recorder use it through DynamoDB.
      serverSideEncryption: { enabled: true },
      // No point-in-time recovery: the items are short-lived dedupe keys, not data; a lost table
      // only lets redeliveries of the last few days through, and the report merges those records.
      pointInTimeRecovery: { enabled: false },
    });

    // No alias and so no published versions: EventBridge invokes the recorder by its ARN.
    this.function = new ContainerFunction(this, "function", {
      functionName: names.functionName,
      accountId,
      region,
      imageUri: image.uri,
      version: image.tag,
      command: [RECORDER_COMMAND],
      architecture: architectureOf(config),
      memoryMb: props.memoryMb ?? 256,
      timeoutSeconds: props.timeoutSeconds ?? 30,
      logRetentionDays: config.dora.recordRetentionDays,
      // Fixed, whatever the stage's level: the records are plain JSON lines without a level,
      // which Lambda treats as INFO, so a stage at WARN or ERROR would drop every record.
      logLevel: RECORDER_LOG_LEVEL,
      permissionsBoundary: stagePermissionsBoundaryArn(config),
      environment: {
        STAGE: config.stage,
        DORA_METRICS_NAMESPACE: PROJECT.metricsNamespace,
        CODEDEPLOY_APPLICATION: delivery.applicationName,
        ALARM_NAME_PREFIX: names.alarmNamePrefix,
        // The canary alarms share the prefix but gate deployments: their firing is recorded as a
        // rolled-back deployment, not as an incident.
        EXCLUDED_ALARM_NAMES: [
          delivery.canaryErrorsAlarmName,
          delivery.canaryDurationAlarmName,
        ].join(","),
        IDEMPOTENCY_TABLE_NAME: this.idempotencyTable.name,
      },
    });

    new IamRolePolicy(this, "read-deployments", {
      name: "read-stage-deployments",
      role: this.function.role.id,
      policy: policyDocument([
        {
          Sid: "ReadStageDeployments",
          Effect: "Allow",
          // GetDeployment is authorised on the deployment group: only this stage's deployments.
          Action: "codedeploy:GetDeployment",
          Resource: `arn:aws:codedeploy:${region}:${accountId}:deploymentgroup:${delivery.applicationName}/${delivery.deploymentGroupName}`,
        },
      ]),
    });

    new IamRolePolicy(this, "claim-events", {
      name: "claim-events-once",
      role: this.function.role.id,
      policy: policyDocument([
        {
          Sid: "ClaimEventsOnce",
          Effect: "Allow",
          // A conditional PutItem is the whole protocol: no reads, updates or deletes.
          Action: "dynamodb:PutItem",
          Resource: this.idempotencyTable.arn,
        },
      ]),
    });

    this.deploymentRule = new CloudwatchEventRule(this, "deployment-rule", {
      name: resourceName(config, "dora-deployments"),
      description: `Final states of ${delivery.applicationName} deployments, for the DORA recorder`,
      state: "ENABLED",
      eventPattern: JSON.stringify({
        source: ["aws.codedeploy"],
        "detail-type": ["CodeDeploy Deployment State-change Notification"],
        detail: { application: [delivery.applicationName], state: [...FINAL_DEPLOYMENT_STATES] },
      }),
    });

    this.alarmRule = new CloudwatchEventRule(this, "alarm-rule", {
      name: resourceName(config, "dora-alarms"),
      description: `Alarm state changes of ${names.alarmNamePrefix}*, for the DORA recorder`,
      state: "ENABLED",
      eventPattern: JSON.stringify({
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        // Only ALARM and OK open or resolve an incident; INSUFFICIENT_DATA would be ignored anyway.
        detail: {
          alarmName: [{ prefix: names.alarmNamePrefix }],
          state: { value: ["ALARM", "OK"] },
        },
      }),
    });

    const rules = [
      { key: "deployments", rule: this.deploymentRule, statementId: "AllowDeploymentEvents" },
      { key: "alarms", rule: this.alarmRule, statementId: "AllowAlarmEvents" },
    ];
    this.targets = rules.map(
      ({ key, rule }) =>
        new CloudwatchEventTarget(this, `${key}-target`, {
          rule: rule.name,
          targetId: "dora-recorder",
          // The unqualified function ($LATEST): the recorder has no traffic shifting, so no alias.
          arn: this.function.lambda.arn,
          retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 20 },
        }),
    );
    this.permissions = rules.map(
      ({ key, rule, statementId }) =>
        new LambdaPermission(this, `${key}-permission`, {
          statementId,
          action: "lambda:InvokeFunction",
          functionName: this.function.lambda.functionName,
          principal: "events.amazonaws.com",
          // Only this rule may invoke the recorder, not any rule in any account.
          sourceArn: rule.arn,
        }),
    );
  }
}
