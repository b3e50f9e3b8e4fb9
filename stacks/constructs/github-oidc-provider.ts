import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { Construct } from "constructs";

/** Issuer host of GitHub Actions' OIDC tokens. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials requests, and the only one the roles accept. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/**
 * ARN of the account's GitHub OIDC provider, built as a string: the stage stacks trust it without
 * a cross-stack reference or a data source (their plan must run offline and on its own).
 */
export function githubOidcProviderArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

export interface GithubOidcProviderProps {
  /**
   * Audiences (`aud`) the provider accepts.
   * @default ["sts.amazonaws.com"]
   */
  readonly audiences?: readonly string[];
  /**
   * Certificate thumbprints. IAM no longer uses them for GitHub (it trusts the issuer's CA
   * through its own library of root CAs), so none are pinned: a GitHub certificate rotation then
   * cannot lock CI out. Left unset, IAM fills the attribute in itself and Terraform shows no diff.
   * @default none
   */
  readonly thumbprints?: readonly string[];
}

/**
 * The IAM OIDC identity provider for GitHub Actions (`token.actions.githubusercontent.com`).
 * IAM allows one per URL per account, so it lives in a bootstrap stack (the `shared` stack for the
 * shared account, `bootstrap-<stage>` for every other stage account), never in a stage stack.
 */
export class GithubOidcProvider extends Construct {
  readonly provider: IamOpenidConnectProvider;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps = {}) {
    super(scope, id);
    this.provider = new IamOpenidConnectProvider(this, "provider", {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: [...(props.audiences ?? [GITHUB_OIDC_AUDIENCE])],
      thumbprintList: props.thumbprints?.length ? [...props.thumbprints] : undefined,
    });
  }
}
