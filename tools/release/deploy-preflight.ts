/**
 * What `npm run deploy` checks before it synthesizes or applies anything: that the credentials
 * belong to the stage's account (STS GetCallerIdentity), and that the account's Lambda
 * concurrency quota can hold the concurrency the stage reserves plus the 100 executions AWS
 * keeps unreserved. Each refusal says what to do; nothing here changes the account.
 */

import { deployRoleName, roleArn } from "../../stacks/ci-role-names";
import {
  LAMBDA_CONCURRENCY_QUOTA,
  reservedConcurrencyOf,
  resourceName,
  type StageConfig,
} from "../../stacks/config";
import { describeError } from "./release";

/** The account reads the preflight needs; see `aws-account-api.ts` for the AWS implementation. */
export interface AccountApi {
  /** STS GetCallerIdentity: whose credentials these are. */
  callerIdentity(): Promise<{ readonly account: string; readonly arn: string }>;
  /** Service Quotas GetServiceQuota (lambda, {@link LAMBDA_CONCURRENCY_QUOTA_CODE}): the applied value. */
  concurrencyQuota(): Promise<number>;
  /** Lambda GetAccountSettings: `AccountLimit.ConcurrentExecutions`, the same limit as Lambda sees it. */
  lambdaConcurrencyLimit(): Promise<number>;
}

/** Service Quotas' code of Lambda's "Concurrent executions" quota. */
export const LAMBDA_CONCURRENCY_QUOTA_CODE = LAMBDA_CONCURRENCY_QUOTA.quotaCode;
/** Lambda refuses a reservation that would leave fewer unreserved executions than this. */
export const UNRESERVED_CONCURRENCY_MINIMUM = 100;

/** A deploy that must not start; the message says why and what to do (exit code 2). */
export class PreflightError extends Error {
  override readonly name = "PreflightError";
}

/** The error names the SDK gives when it has no credentials, or AWS refuses the ones it has. */
const MISSING_CREDENTIALS = new Set(["CredentialsProviderError", "TokenProviderError"]);
const REFUSED_CREDENTIALS = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "UnrecognizedClientException",
  "AccessDenied",
  "AccessDeniedException",
]);

/** How to get credentials for the stage's account, for a person and for CI. */
export async function credentialsHelp(
  config: StageConfig,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const profile = env.AWS_PROFILE?.trim() || `<profile of account ${config.account.id}>`;
  const deployRole = roleArn(config.account.id, deployRoleName(resourceName(config)));
  return [
    `Get credentials for account ${config.account.id}, then run the deploy again:`,
    `  - on a workstation: aws sso login --profile ${profile}`,
    `    and AWS_PROFILE=${profile} npm run deploy -- --stage ${config.stage}`,
    `    (any profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN of that account works)`,
    `  - in CI: the stage's deploy role ${deployRole}, assumed through GitHub OIDC`,
  ].join("\n");
}

/**
 * Refuses unless the credentials the SDK finds belong to the stage's account.
 * @returns the caller's ARN, for the progress line
 */
export async function checkCredentials(
  config: StageConfig,
  api: Pick<AccountApi, "callerIdentity">,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const expected = `stage ${config.stage} deploys to account ${config.account.id} (${config.account.region})`;
  let identity: { readonly account: string; readonly arn: string };
  try {
    identity = await api.callerIdentity();
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const what = MISSING_CREDENTIALS.has(name)
      ? "no AWS credentials were found"
      : REFUSED_CREDENTIALS.has(name)
        ? "AWS refused the credentials"
        : "the credentials could not be checked";
    throw new PreflightError(
      `${what} (${describeError(error)}); ${expected}.\n${await credentialsHelp(config, env)}`,
    );
  }
  if (identity.account !== config.account.id) {
    throw new PreflightError(
      `the AWS credentials are for account ${identity.account} (${identity.arn}), but ${expected}.\n${await credentialsHelp(config, env)}`,
    );
  }
  return identity.arn;
}

export interface ConcurrencyQuota {
  readonly limit: number;
  /** Where the figure came from, for the messages. */
  readonly source: string;
}

/**
 * The account's Lambda concurrent executions quota: Service Quotas first, Lambda's own account
 * settings when Service Quotas cannot be reached or is not allowed. `undefined` (with the reasons)
 * when neither answers.
 */
export async function readConcurrencyQuota(
  api: Pick<AccountApi, "concurrencyQuota" | "lambdaConcurrencyLimit">,
): Promise<ConcurrencyQuota | { readonly unknown: string }> {
  try {
    return {
      limit: await api.concurrencyQuota(),
      source: `Service Quotas lambda/${LAMBDA_CONCURRENCY_QUOTA_CODE}`,
    };
  } catch (quotaError) {
    try {
      return {
        limit: await api.lambdaConcurrencyLimit(),
        source: "Lambda GetAccountSettings",
      };
    } catch (lambdaError) {
      return {
        unknown: `Service Quotas: ${describeError(quotaError)}; Lambda: ${describeError(lambdaError)}`,
      };
    }
  }
}

export interface QuotaCheck {
  /** One line for the operator (what was checked and found). */
  readonly summary: string;
  /** Something the operator should act on, though the deploy goes on. */
  readonly warning: string | undefined;
}

/**
 * Refuses a stage whose reservations do not fit the account's concurrency quota:
 * Lambda keeps {@link UNRESERVED_CONCURRENCY_MINIMUM} executions unreserved, so a reservation of
 * `r` needs a quota of at least `r + 100` (PutFunctionConcurrency fails otherwise, half-way
 * through an apply). The message names the numbers and the quota increase to request.
 */
export function checkConcurrencyQuota(
  config: StageConfig,
  quota: ConcurrencyQuota | { readonly unknown: string },
): QuotaCheck {
  const reserved = reservedConcurrencyOf(config);
  const needed = reserved + UNRESERVED_CONCURRENCY_MINIMUM;
  const account = config.account;
  if ("unknown" in quota) {
    return {
      summary: `concurrency quota of account ${account.id} could not be read`,
      warning:
        reserved > 0
          ? `could not read the Lambda concurrency quota of account ${account.id} (${quota.unknown}); ${config.stage} reserves ${reserved}, so the account needs a quota of at least ${needed}. Give the deploy role servicequotas:GetServiceQuota or lambda:GetAccountSettings to have this checked.`
          : undefined,
    };
  }
  if (reserved > 0 && quota.limit < needed) {
    throw new PreflightError(
      [
        `account ${account.id} cannot hold the concurrency stage ${config.stage} reserves:`,
        `  Lambda concurrent executions quota (${quota.source}): ${quota.limit}`,
        `  reserved by ${config.stage} (function.reservedConcurrency): ${reserved}`,
        `  kept unreserved by AWS: ${UNRESERVED_CONCURRENCY_MINIMUM}`,
        `  needed: ${needed}`,
        `Request a quota of at least ${needed} (Service Quotas console: AWS Lambda, "Concurrent executions"), or:`,
        `  aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${LAMBDA_CONCURRENCY_QUOTA_CODE} --desired-value ${needed} --region ${account.region}`,
        quota.limit > UNRESERVED_CONCURRENCY_MINIMUM
          ? `or lower function.reservedConcurrency of ${config.stage} in stacks/config.ts to at most ${quota.limit - UNRESERVED_CONCURRENCY_MINIMUM}.`
          : `(the quota leaves nothing to reserve until it is raised).`,
      ].join("\n"),
    );
  }
  const summary =
    reserved > 0
      ? `Lambda concurrency quota ${quota.limit} (${quota.source}) holds the ${reserved} ${config.stage} reserves + ${UNRESERVED_CONCURRENCY_MINIMUM} unreserved`
      : `Lambda concurrency quota ${quota.limit} (${quota.source}); ${config.stage} reserves none`;
  // Without a reservation the concurrency alarm watches the account against this setting.
  const warning =
    reserved === 0 && config.alarms.accountConcurrencyLimit !== quota.limit
      ? `alarms.accountConcurrencyLimit of ${config.stage} is ${config.alarms.accountConcurrencyLimit}, but the account's quota is ${quota.limit}: set it to ${quota.limit} in stacks/config.ts so the concurrency alarm measures against the real limit`
      : undefined;
  return { summary, warning };
}
