import type { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { AWS_PROVIDER_VERSION } from "./aws-provider";
import {
  architectureOf,
  type ImageSelection,
  PROJECT,
  resourceName,
  type StageConfig,
} from "./config";
import { ciRoleArns } from "./constructs/ci-roles";
import { ContainerFunction } from "./constructs/container-function";
import { DoraDashboard } from "./constructs/dora-dashboard";
import { DoraRecorder } from "./constructs/dora-recorder";
import { ProgressiveDelivery } from "./constructs/progressive-delivery";
import { ServiceAlarms } from "./constructs/service-alarms";
import { LIVE_ALIAS, stagePermissionsBoundaryArn } from "./names";

export { AWS_PROVIDER_VERSION };

export interface StageStackProps {
  readonly config: StageConfig;
  readonly image: ImageSelection;
}

/**
 * One deployment stage (`dev`, `test` or `prod`): the provider pinned to the stage's account,
 * the remote state, and the service composed from constructs. Everything that differs between
 * stages comes from `props.config`; nothing here branches on the stage name.
 *
 * Other constructs attach to the public members: `service` (function, alias, log group, URL,
 * role) and `alarms` (topic and alarms).
 */
export class StageStack extends TerraformStack {
  readonly config: StageConfig;
  readonly image: ImageSelection;
  readonly provider: AwsProvider;
  readonly service: ContainerFunction;
  /** The service's Function URL (always present for the stage service, unlike on extra functions). */
  readonly functionUrl: LambdaFunctionUrl;
  readonly alarms: ServiceAlarms;
  /** CodeDeploy releases of the `live` alias: canary alarms, hooks and automatic rollback. */
  readonly delivery: ProgressiveDelivery;
  /** DORA records and metrics from this stage's deployments and alarms (EventBridge → Lambda). */
  readonly doraRecorder: DoraRecorder;
  /** The four DORA metrics next to the service's health. */
  readonly doraDashboard: DoraDashboard;

  constructor(scope: Construct, id: string, props: StageStackProps) {
    super(scope, id);
    const { config, image } = props;
    this.config = config;
    this.image = image;

    this.provider = new AwsProvider(this, "aws", {
      region: config.account.region,
      // A prod plan run with dev credentials stops here, before it reads or changes anything.
      allowedAccountIds: [config.account.id],
      defaultTags: [{ tags: { ...config.tags } }],
    });
    this.addOverride("terraform.required_providers.aws.version", AWS_PROVIDER_VERSION);

    new S3Backend(this, {
      bucket: config.state.bucket,
      key: config.state.key,
      region: config.state.region,
      encrypt: true,
    });
    // Native S3 locking (Terraform >= 1.10); cdktf 0.21's S3BackendConfig has no `useLockfile`.
    this.addOverride("terraform.backend.s3.use_lockfile", true);

    const functionName = resourceName(config);
    const aliasName = LIVE_ALIAS;
    this.service = new ContainerFunction(this, "service", {
      functionName,
      accountId: config.account.id,
      region: config.account.region,
      imageUri: image.uri,
      version: image.tag,
      architecture: architectureOf(config),
      memoryMb: config.function.memoryMb,
      timeoutSeconds: config.function.timeoutSeconds,
      reservedConcurrency: config.function.reservedConcurrency,
      logRetentionDays: config.function.logRetentionDays,
      logLevel: config.function.logLevel,
      permissionsBoundary: stagePermissionsBoundaryArn(config),
      alias: { name: aliasName, url: config.function.url },
    });
    const { alias, functionUrl } = this.service;
    if (!alias || !functionUrl) {
      throw new Error("the stage service is built with an alias and a Function URL on it");
    }
    this.functionUrl = functionUrl;

    this.alarms = new ServiceAlarms(this, "alarms", {
      functionName,
      // Plain strings, not resource references: the alarm dimensions stay readable in the plan.
      aliasName,
      thresholds: config.alarms,
      reservedConcurrency: config.function.reservedConcurrency,
      accountId: config.account.id,
      region: config.account.region,
      emails: config.notifications.emails,
      // Created by the bootstrap stack (shared or bootstrap-<stage>), never by this one.
      ciRoles: ciRoleArns(config.account.id, functionName),
    });

    this.delivery = new ProgressiveDelivery(this, "delivery", {
      config,
      image,
      service: { lambda: this.service.lambda, alias, functionUrl },
      alarms: this.alarms,
    });

    this.doraRecorder = new DoraRecorder(this, "dora-recorder", { config, image });
    this.doraDashboard = new DoraDashboard(this, "dora-dashboard", {
      dashboardName: resourceName(config, "dora"),
      region: config.account.region,
      accountId: config.account.id,
      stage: config.stage,
      metricsNamespace: PROJECT.metricsNamespace,
      functionName,
      aliasName,
      alarmNames: [...this.alarms.alarms, ...this.delivery.canaryAlarms].map(
        (alarm) => alarm.alarmName,
      ),
    });

    new TerraformOutput(this, "function_name", { value: this.service.lambda.functionName });
    new TerraformOutput(this, "function_arn", { value: this.service.lambda.arn });
    new TerraformOutput(this, "alias_arn", { value: alias.arn });
    new TerraformOutput(this, "function_url", { value: this.functionUrl.functionUrl });
    // Built from config, not read from the shared stack: no cross-stack reference, plans offline.
    new TerraformOutput(this, "ecr_repository_url", { value: image.repositoryUrl });
    new TerraformOutput(this, "image_uri", { value: image.uri });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarms.topic.arn });
  }
}
