/**
 * {@link AccountApi} on the AWS SDK v3 clients (STS, Service Quotas, Lambda). Region from the
 * stage config; the endpoint, when `AWS_ENDPOINT_URL` is set, and the credentials from the SDK's
 * standard chain, with one difference: the EC2 instance metadata lookup gives up after
 * {@link INSTANCE_METADATA_TIMEOUT_MS}, so a workstation without credentials (where that address
 * often swallows packets) hears so in well under 3 s instead of after two one-second timeouts.
 */

import { GetAccountSettingsCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { LAMBDA_CONCURRENCY_QUOTA } from "../../stacks/config";
import type { AccountApi } from "./deploy-preflight";

/** On EC2 the metadata service answers in milliseconds; elsewhere nobody answers at all. */
export const INSTANCE_METADATA_TIMEOUT_MS = 400;

export interface AwsAccountApiOptions {
  readonly region: string;
  /** Attempts per call, first one included. @default 3 */
  readonly maxAttempts?: number;
}

export function createAwsAccountApi(options: AwsAccountApiOptions): AccountApi {
  const clientOptions = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: "standard",
    // One memoized chain for the three clients: credentials are resolved once.
    credentials: defaultProvider({ timeout: INSTANCE_METADATA_TIMEOUT_MS, maxRetries: 0 }),
    // A blackholed network fails the call instead of hanging the deploy.
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
  } as const;
  const sts = new STSClient(clientOptions);
  const serviceQuotas = new ServiceQuotasClient(clientOptions);
  const lambda = new LambdaClient(clientOptions);

  return {
    async callerIdentity() {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      if (!identity.Account || !identity.Arn) {
        throw new Error("STS GetCallerIdentity answered without an account or ARN");
      }
      return { account: identity.Account, arn: identity.Arn };
    },

    async concurrencyQuota() {
      const { Quota } = await serviceQuotas.send(
        new GetServiceQuotaCommand({
          ServiceCode: LAMBDA_CONCURRENCY_QUOTA.serviceCode,
          QuotaCode: LAMBDA_CONCURRENCY_QUOTA.quotaCode,
        }),
      );
      if (typeof Quota?.Value !== "number") {
        throw new Error(
          `Service Quotas answered without a value for ${LAMBDA_CONCURRENCY_QUOTA.quotaCode}`,
        );
      }
      return Quota.Value;
    },

    async lambdaConcurrencyLimit() {
      const { AccountLimit } = await lambda.send(new GetAccountSettingsCommand({}));
      if (typeof AccountLimit?.ConcurrentExecutions !== "number") {
        throw new Error(
          "Lambda GetAccountSettings answered without AccountLimit.ConcurrentExecutions",
        );
      }
      return AccountLimit.ConcurrentExecutions;
    },
  };
}
