import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import type { ApplicationLogLevel, Architecture, FunctionUrlConfig } from "../config";
import { waive } from "../guardrails/waiver";
import { policyDocument } from "./policy-document";

export interface ContainerFunctionProps {
  readonly functionName: string;
  /** Account and region the function lives in: they build the log group ARN the role may write to. */
  readonly accountId: string;
  readonly region: string;
  /** `repository@sha256:...` or `repository:tag`. */
  readonly imageUri: string;
  /** Becomes the `VERSION` environment variable the function reports (the image tag). */
  readonly version: string;
  /**
   * Handler override (`image_config.command`), for extra functions packaged in the same image.
   * @default the image's `CMD` (the API handler)
   */
  readonly command?: readonly string[];
  /** @default "arm64" */
  readonly architecture?: Architecture;
  /** @default 256 */
  readonly memoryMb?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /** @default undefined: the function shares the account's unreserved pool */
  readonly reservedConcurrency?: number;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** Lambda's application log level (advanced logging controls). @default "INFO" */
  readonly logLevel?: ApplicationLogLevel;
  /**
   * ARN of the managed policy set as the role's permissions boundary (the stage's, in a stage
   * stack: see stacks/constructs/permissions-boundary.ts).
   * @default no boundary
   */
  readonly permissionsBoundary?: string;
  /** Extra environment variables (never secrets: they are visible in the plan and console). */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The alias all traffic goes through (CodeDeploy shifts it between published versions), with
   * an optional Function URL on it. Give it to a function that serves traffic; leave it out for
   * functions that AWS services invoke by name (CodeDeploy hooks, EventBridge targets).
   * @default no alias, no Function URL and no published versions: callers invoke `$LATEST`
   */
  readonly alias?: ContainerFunctionAliasProps;
}

/**
 * The alias of a {@link ContainerFunction}. The Function URL lives here, not beside it, because a
 * URL without an alias would serve `$LATEST` and bypass CodeDeploy: the type cannot express one.
 *
 * @example { name: "live", url: { authType: "AWS_IAM" } }
 */
export interface ContainerFunctionAliasProps {
  readonly name: string;
  /** A Function URL bound to the alias (never to `$LATEST`). @default no Function URL */
  readonly url?: FunctionUrlConfig;
}

/**
 * A Lambda function packaged as a container image, with everything it needs and nothing more:
 * a least-privilege role, its own log group (created first, with a retention), JSON logs and X-Ray
 * tracing. With an `alias`, every change also publishes a version, the alias decides which one
 * serves and, optionally, a Function URL is bound to that alias (never to `$LATEST`). Without
 * one, nothing is published: the function is invoked by name, as CodeDeploy hooks and EventBridge
 * targets are.
 *
 * @example
 * new ContainerFunction(this, "service", {
 *   functionName: "agnostic-lambda-core-dev", accountId, region, imageUri, version: "v3.0.0",
 *   alias: { name: "live", url: { authType: "AWS_IAM" } },
 * });
 */
export class ContainerFunction extends Construct {
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly lambda: LambdaFunction;
  /** The alias traffic goes through; `undefined` when the props ask for none. */
  readonly alias: LambdaAlias | undefined;
  /** The Function URL on the alias; `undefined` when the props ask for none. */
  readonly functionUrl: LambdaFunctionUrl | undefined;
  /** The resource-policy statements that open a public (`NONE`) Function URL. */
  readonly publicUrlPermissions: readonly LambdaPermission[];

  constructor(scope: Construct, id: string, props: ContainerFunctionProps) {
    super(scope, id);
    // The type already puts the URL under `alias`; this catches props built without the type
    // (a spread or a cast), which would otherwise drop the URL without a word.
    if ((props as { readonly url?: unknown }).url !== undefined) {
      throw new Error(
        `ContainerFunction ${props.functionName}: a Function URL needs an alias; ` +
          'pass alias: { name: "live", url } instead of url',
      );
    }
    const logGroupName = `/aws/lambda/${props.functionName}`;

    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays ?? 30,
    });

    this.role = new IamRole(this, "role", {
      name: props.functionName,
      description: `Execution role of the ${props.functionName} Lambda function`,
      permissionsBoundary: props.permissionsBoundary,
      assumeRolePolicy: policyDocument([
        {
          Sid: "LambdaAssumeRole",
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
          // Only this account's Lambda service may assume it (confused-deputy guard).
          Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
        },
      ]),
    });

    const logGroupArn = `arn:aws:logs:${props.region}:${props.accountId}:log-group:${logGroupName}`;
    const rolePolicy = new IamRolePolicy(this, "role-policy", {
      name: "logs-and-tracing",
      role: this.role.id,
      policy: policyDocument([
        {
          Sid: "WriteOwnLogGroup",
          Effect: "Allow",
          // No logs:CreateLogGroup: Terraform owns the group, so the function cannot recreate it
          // without a retention after someone deletes it.
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${logGroupArn}:*`,
        },
        {
          Sid: "XRayTracing",
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          // X-Ray has no resource-level permissions for these actions: AWS requires "*".
          Resource: "*",
        },
      ]),
    });

    this.lambda = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      role: this.role.arn,
      packageType: "Image",
      imageUri: props.imageUri,
      imageConfig: props.command ? { command: [...props.command] } : undefined,
      architectures: [props.architecture ?? "arm64"],
      memorySize: props.memoryMb ?? 256,
      timeout: props.timeoutSeconds ?? 10,
      reservedConcurrentExecutions: props.reservedConcurrency,
      // With an alias, every change publishes a new immutable version and the alias decides
      // which one serves. Without one, versions would only pile up: callers invoke $LATEST.
      publish: props.alias !== undefined,
      tracingConfig: { mode: "Active" },
      environment: {
        variables: {
          ...props.environment,
          VERSION: props.version,
          POWERTOOLS_SERVICE_NAME: props.functionName,
        },
      },
      // Advanced logging controls: Lambda sets AWS_LAMBDA_LOG_LEVEL, which Powertools' logger
      // honours, and drops platform lines below WARN.
      loggingConfig: {
        logFormat: "JSON",
        applicationLogLevel: props.logLevel ?? "INFO",
        systemLogLevel: "WARN",
        logGroup: this.logGroup.name,
      },
      // The log group (with its retention) and the role's permissions exist before the first
      // invocation, so Lambda never creates a never-expiring group of its own.
      dependsOn: [this.logGroup, rolePolicy],
    });

    const aliasProps = props.alias;
    if (!aliasProps) {
      this.alias = undefined;
      this.functionUrl = undefined;
      this.publicUrlPermissions = [];
      return;
    }

    const alias = new LambdaAlias(this, "alias", {
      name: aliasProps.name,
      description: "All traffic goes through this alias",
      functionName: this.lambda.functionName,
      functionVersion: this.lambda.version,
      // CodeDeploy owns the alias version and weights after the first apply; Terraform must not
      // fight it (a plan would otherwise roll a canary back to whatever it last saw).
      lifecycle: { ignoreChanges: ["function_version", "routing_config"] },
    });
    this.alias = alias;

    const url = aliasProps.url;
    this.functionUrl = url
      ? new LambdaFunctionUrl(this, "url", {
          functionName: this.lambda.functionName,
          // Bound to the alias, never to $LATEST: traffic follows CodeDeploy's weights.
          qualifier: alias.name,
          authorizationType: url.authType,
          cors: url.cors
            ? {
                allowOrigins: [...url.cors.allowOrigins],
                allowMethods: [...url.cors.allowMethods],
                allowHeaders: url.cors.allowHeaders ? [...url.cors.allowHeaders] : undefined,
                maxAge: url.cors.maxAgeSeconds,
              }
            : undefined,
        })
      : undefined;

    this.publicUrlPermissions = url?.authType === "NONE" ? this.openPublicUrl(alias) : [];
  }

  private openPublicUrl(alias: LambdaAlias): readonly LambdaPermission[] {
    // A reference, not the plain name: the permissions wait for the alias to exist.
    const qualifier = alias.name;
    // AuthType NONE still needs a resource policy that lets anyone call the URL.
    const invokeUrl = new LambdaPermission(this, "public-url-invoke-url", {
      statementId: "FunctionUrlPublicInvokeUrl",
      action: "lambda:InvokeFunctionUrl",
      functionName: this.lambda.functionName,
      qualifier,
      principal: "*",
      functionUrlAuthType: "NONE",
    });
    // Since October 2025 new Function URLs also need lambda:InvokeFunction, or every request
    // gets 403. AWS scopes it with the condition lambda:InvokedViaFunctionUrl, which the AWS
    // provider 5.x cannot express (`invoked_via_function_url` arrives in 6.x), so this statement
    // also lets any AWS principal invoke the alias directly.
    const invokeFunction = new LambdaPermission(this, "public-url-invoke-function", {
      statementId: "FunctionUrlPublicInvokeFunction",
      action: "lambda:InvokeFunction",
      functionName: this.lambda.functionName,
      qualifier,
      principal: "*",
    });
    waive(
      invokeFunction,
      "ALC012",
      "A public (NONE) Function URL needs lambda:InvokeFunction for principal * since October 2025; " +
        "AWS provider 5.x cannot add the lambda:InvokedViaFunctionUrl condition. A direct invoke reaches " +
        "the same public pipeline the URL serves. Scope it with invoked_via_function_url on provider 6.",
    );
    return [invokeUrl, invokeFunction];
  }
}
