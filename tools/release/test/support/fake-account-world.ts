/**
 * The account reads of `npm run deploy`'s preflight (STS GetCallerIdentity, Service Quotas
 * GetServiceQuota, Lambda GetAccountSettings), served by the in-process fake endpoint.
 */
import type { FakeAwsEndpoint, FakeAwsError } from "@agnostic-lambda-core/fake-aws";

export interface AccountScenario {
  /** The account the credentials belong to. */
  readonly account: string;
  /** @default an SSO role session in `account` */
  readonly arn?: string;
  /** GetCallerIdentity fails with this instead. */
  readonly identityError?: FakeAwsError;
  /** The applied value of L-B99A9384, or the error Service Quotas answers with. @default 1000 */
  readonly quota?: number | FakeAwsError;
  /** `AccountLimit.ConcurrentExecutions`, or the error Lambda answers with. @default 1000 */
  readonly lambdaLimit?: number | FakeAwsError;
}

export function serveAccount(endpoint: FakeAwsEndpoint, scenario: AccountScenario): void {
  const arn =
    scenario.arn ??
    `arn:aws:sts::${scenario.account}:assumed-role/AWSReservedSSO_Deployer_0123456789abcdef/ada`;
  const answer = <T>(value: number | FakeAwsError | undefined, reply: (value: number) => T) => {
    if (value !== undefined && typeof value !== "number") throw value;
    return reply(value ?? 1000);
  };
  endpoint
    .action("GetCallerIdentity", () => {
      if (scenario.identityError) throw scenario.identityError;
      return {
        headers: { "content-type": "text/xml" },
        body:
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
          `<GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AROAFAKE:ada</UserId>` +
          `<Account>${scenario.account}</Account></GetCallerIdentityResult>` +
          "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>" +
          "</GetCallerIdentityResponse>",
      };
    })
    .target("ServiceQuotasV20190624.GetServiceQuota", (request) =>
      answer(scenario.quota, (value) => ({
        body: {
          Quota: {
            ServiceCode: request.json.ServiceCode,
            QuotaCode: request.json.QuotaCode,
            QuotaName: "Concurrent executions",
            Value: value,
            Adjustable: true,
          },
        },
      })),
    )
    .route("GetAccountSettings", "GET", "/2016-08-19/account-settings", () =>
      answer(scenario.lambdaLimit, (value) => ({
        body: {
          AccountLimit: { ConcurrentExecutions: value, UnreservedConcurrentExecutions: value },
          AccountUsage: { FunctionCount: 0, TotalCodeSize: 0 },
        },
      })),
    );
}
