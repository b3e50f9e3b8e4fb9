/**
 * Stage configuration: one readonly object per stage, a closed union of stage names, and the
 * checks that run when the app starts. Every difference between `dev`, `test` and `prod` lives
 * here, so a reviewer reads one file to see what a stage gets.
 *
 * The account ids below are placeholders: set your own before the first `cdktf deploy`. The
 * provider pins `allowed_account_ids` to them, so a plan with the wrong credentials stops before it
 * touches anything. A fork changes the region and the shared account in one place each
 * ({@link REGION}, {@link SHARED_ACCOUNT_ID}); every name that must be globally unique (the state
 * bucket) is derived from the account it lives in, so two forks never aim at the same name.
 */

export const STAGE_NAMES = ["dev", "test", "prod"] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** Lambda's application log levels (advanced logging controls). */
export const APPLICATION_LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;
export type ApplicationLogLevel = (typeof APPLICATION_LOG_LEVELS)[number];

/** The retention values CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export type Architecture = "arm64" | "x86_64";

/**
 * How the Function URL is exposed. A public (`NONE`) endpoint must say why, so opening one is a
 * decision someone wrote down, never a default.
 */
export type FunctionUrlConfig =
  | { readonly authType: "AWS_IAM"; readonly cors?: CorsConfig }
  | { readonly authType: "NONE"; readonly publicReason: string; readonly cors?: CorsConfig };

export interface CorsConfig {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders?: readonly string[];
  readonly maxAgeSeconds?: number;
}

/**
 * How CodeDeploy shifts traffic from the current version to the new one. The three AWS
 * predefined shapes map onto `CodeDeployDefault.Lambda*` configs; any other percentage or
 * interval becomes a custom deployment config.
 */
export type TrafficShifting =
  | { readonly kind: "all-at-once" }
  | { readonly kind: "canary"; readonly percentage: number; readonly intervalMinutes: number }
  | { readonly kind: "linear"; readonly percentage: number; readonly intervalMinutes: number };

export interface StageConfig {
  readonly stage: StageName;
  readonly account: {
    /** The only AWS account this stage may be planned or deployed in. */
    readonly id: string;
    readonly region: string;
    /**
     * Opt-in for a stage that lives in the shared account (the one holding every stage's state,
     * the state bucket policy and the image repository). Validation refuses such a stage unless
     * this says why: whoever can deploy the stage can then reach those too (see
     * docs/infrastructure.md, "One account or several").
     * @default undefined (the stage must have an account of its own)
     */
    readonly sharedAccountReason?: string;
  };
  readonly function: {
    readonly memoryMb: number;
    readonly timeoutSeconds: number;
    /** @default "arm64" (Graviton: cheaper per GB-second and the image builds natively in CI) */
    readonly architecture?: Architecture;
    /** Reserved concurrency; `undefined` shares the account's unreserved pool. */
    readonly reservedConcurrency: number | undefined;
    readonly logRetentionDays: number;
    readonly logLevel: ApplicationLogLevel;
    readonly url: FunctionUrlConfig;
  };
  readonly alarms: {
    /** Function errors on the `live` alias per minute at or above which the alarm fires. */
    readonly errorsPerMinute: number;
    /** Throttled invocations per minute at or above which the alarm fires. */
    readonly throttlesPerMinute: number;
    /** p99 duration budget; must stay below the timeout so the alarm fires before timeouts. */
    readonly p99DurationMs: number;
    /** Function URL 5xx responses per minute at or above which the alarm fires. */
    readonly url5xxPerMinute: number;
    /** Fraction (0-1) of the concurrency limit at which the concurrency alarm fires. */
    readonly concurrencyUtilization: number;
    /**
     * The account's concurrent executions limit (Service Quotas: Lambda, "Concurrent
     * executions"; set it to your account's value), used when the function has no reserved
     * concurrency: the alarm then watches the account-wide `ConcurrentExecutions`. New accounts
     * start at a low soft limit: the v2 service hit it at 150-180 users.
     */
    readonly accountConcurrencyLimit: number;
    /** Consecutive one-minute periods that must breach before a steady-state alarm fires. */
    readonly evaluationPeriods: number;
  };
  readonly notifications: {
    /** E-mail addresses subscribed to the stage's alarm topic (they must confirm by e-mail). */
    readonly emails: readonly string[];
  };
  readonly delivery: {
    readonly trafficShifting: TrafficShifting;
    /** Errors of the new version (per minute) that stop a deployment and roll it back. */
    readonly canaryErrorsPerMinute: number;
    /** p99 duration of the new version that stops a deployment and rolls it back. */
    readonly canaryP99DurationMs: number;
  };
  readonly ci: {
    /** `owner/name` of the GitHub repository whose workflows may assume this stage's roles. */
    readonly githubRepository: string;
    /** The GitHub environment that guards deployments to this stage. */
    readonly githubEnvironment: string;
  };
  readonly dora: {
    /**
     * Retention of the DORA recorder's log group, in days. Its records are the data that
     * `npm run dora -- report --source aws` reads, so it must cover the 30-day report window.
     */
    readonly recordRetentionDays: number;
  };
  readonly state: RemoteStateConfig;
  readonly tags: Readonly<Record<string, string>>;
}

export interface RemoteStateConfig {
  readonly bucket: string;
  readonly region: string;
  /** Object key of this stack's state in the bucket. */
  readonly key: string;
}

/** The one AWS region of the project: the shared account and every stage. Change it here. */
const REGION = "eu-west-1";
/**
 * The account that holds the shared resources (state bucket, image repository, build role).
 * Change it here: the state bucket's name, the backend of every stack and the policies follow.
 */
const SHARED_ACCOUNT_ID = "111111111111";
const PROJECT_NAME = "agnostic-lambda-core";

/**
 * Name of the Terraform state bucket. S3 bucket names are global across every AWS customer, so
 * the name carries the account and region it lives in: a fork that changes the shared account
 * gets its own name instead of aiming at (and failing on, or worse, writing to) someone else's.
 *
 * @example stateBucketName({ id: "111111111111", region: "eu-west-1" })
 * // "agnostic-lambda-core-tfstate-111111111111-eu-west-1"
 */
export function stateBucketName(
  account: { readonly id: string; readonly region: string },
  projectName: string = PROJECT_NAME,
): string {
  return `${projectName}-tfstate-${account.id}-${account.region}`;
}

/** Settings that belong to the project as a whole rather than to one stage. */
export const PROJECT = {
  name: PROJECT_NAME,
  region: REGION,
  /** Value of the `managed-by` tag on every resource. */
  managedBy: "terraform-cdk",
  /** CloudWatch namespace of the DORA metrics the recorder publishes (dimension `Stage`). */
  metricsNamespace: "AgnosticLambdaCore/DORA",
  /** Name of the ECR repository shared by every stage (one image promoted dev → test → prod). */
  ecrRepositoryName: "agnostic-lambda-core",
  /** GitHub repository (`owner/name`) allowed to assume the CI roles. Change it in a fork. */
  githubRepository: "agnostic-lambda-core/agnostic-lambda-core",
  /** The account that holds the shared resources: state bucket, ECR repository, OIDC provider. */
  shared: {
    account: { id: SHARED_ACCOUNT_ID, region: REGION },
    state: {
      bucket: stateBucketName({ id: SHARED_ACCOUNT_ID, region: REGION }),
      region: REGION,
      key: "shared/terraform.tfstate",
    },
  },
} as const;

const PUBLIC_URL_REASON =
  "Public HTTP API: the v2 contract is served to anonymous clients over the Function URL.";

function stateFor(stage: StageName): RemoteStateConfig {
  return {
    bucket: PROJECT.shared.state.bucket,
    region: PROJECT.shared.state.region,
    key: `stages/${stage}/terraform.tfstate`,
  };
}

function tagsFor(stage: StageName): Readonly<Record<string, string>> {
  return { project: PROJECT.name, stage, "managed-by": PROJECT.managedBy };
}

/**
 * The three stages, each in an account of its own (none in the shared account: see
 * {@link StageConfig.account}'s `sharedAccountReason`). `dev` is cheap and fast, `prod` is strict.
 */
export const STAGES: { readonly [S in StageName]: StageConfig } = {
  dev: {
    stage: "dev",
    account: { id: "444444444444", region: REGION },
    function: {
      memoryMb: 256,
      timeoutSeconds: 10,
      architecture: "arm64",
      reservedConcurrency: undefined,
      logRetentionDays: 7,
      logLevel: "DEBUG",
      url: { authType: "NONE", publicReason: PUBLIC_URL_REASON },
    },
    alarms: {
      errorsPerMinute: 5,
      throttlesPerMinute: 5,
      p99DurationMs: 3000,
      url5xxPerMinute: 5,
      concurrencyUtilization: 0.8,
      accountConcurrencyLimit: 1000,
      evaluationPeriods: 3,
    },
    notifications: { emails: [] },
    delivery: {
      trafficShifting: { kind: "all-at-once" },
      canaryErrorsPerMinute: 1,
      canaryP99DurationMs: 3000,
    },
    ci: { githubRepository: PROJECT.githubRepository, githubEnvironment: "dev" },
    dora: { recordRetentionDays: 90 },
    state: stateFor("dev"),
    tags: tagsFor("dev"),
  },
  test: {
    stage: "test",
    account: { id: "222222222222", region: REGION },
    function: {
      memoryMb: 512,
      timeoutSeconds: 10,
      architecture: "arm64",
      reservedConcurrency: 50,
      logRetentionDays: 30,
      logLevel: "INFO",
      url: { authType: "NONE", publicReason: PUBLIC_URL_REASON },
    },
    alarms: {
      errorsPerMinute: 3,
      throttlesPerMinute: 1,
      p99DurationMs: 2000,
      url5xxPerMinute: 3,
      concurrencyUtilization: 0.8,
      accountConcurrencyLimit: 1000,
      evaluationPeriods: 2,
    },
    notifications: { emails: [] },
    delivery: {
      trafficShifting: { kind: "linear", percentage: 10, intervalMinutes: 1 },
      canaryErrorsPerMinute: 1,
      canaryP99DurationMs: 2000,
    },
    ci: { githubRepository: PROJECT.githubRepository, githubEnvironment: "test" },
    dora: { recordRetentionDays: 90 },
    state: stateFor("test"),
    tags: tagsFor("test"),
  },
  prod: {
    stage: "prod",
    account: { id: "333333333333", region: REGION },
    function: {
      memoryMb: 1024,
      timeoutSeconds: 10,
      architecture: "arm64",
      reservedConcurrency: 200,
      logRetentionDays: 365,
      logLevel: "INFO",
      url: { authType: "NONE", publicReason: PUBLIC_URL_REASON },
    },
    alarms: {
      errorsPerMinute: 1,
      throttlesPerMinute: 1,
      p99DurationMs: 1000,
      url5xxPerMinute: 1,
      concurrencyUtilization: 0.8,
      accountConcurrencyLimit: 1000,
      evaluationPeriods: 2,
    },
    notifications: { emails: ["oncall@example.com"] },
    delivery: {
      trafficShifting: { kind: "canary", percentage: 10, intervalMinutes: 5 },
      canaryErrorsPerMinute: 1,
      canaryP99DurationMs: 1000,
    },
    ci: { githubRepository: PROJECT.githubRepository, githubEnvironment: "prod" },
    dora: { recordRetentionDays: 731 },
    state: stateFor("prod"),
    tags: tagsFor("prod"),
  },
};

/** One thing wrong with the configuration: where (`stage`, or "project") and which field. */
export interface ConfigProblem {
  /** The stage whose configuration is wrong, or `"project"` for {@link PROJECT}. */
  readonly stage: string;
  readonly field: string;
  readonly message: string;
}

/**
 * The configuration breaks rules. One error lists every problem of every stage checked, so a
 * fork fixes them all in one pass instead of one synth per mistake.
 */
export class StageConfigError extends Error {
  override readonly name = "StageConfigError";
  constructor(readonly problems: readonly ConfigProblem[]) {
    const stages = [...new Set(problems.map((problem) => problem.stage))];
    super(
      `invalid configuration (${problems.length} ${problems.length === 1 ? "problem" : "problems"} in ${stages
        .map((stage) => (stage === "project" ? "PROJECT" : `stage "${stage}"`))
        .join(", ")}):\n${problems
        .map((problem) => `  - ${problem.stage}: ${problem.field}: ${problem.message}`)
        .join("\n")}`,
    );
  }

  /** The stages (and `"project"`) that have at least one problem, in order of appearance. */
  get stages(): readonly string[] {
    return [...new Set(this.problems.map((problem) => problem.stage))];
  }
}

export function isStageName(name: string): name is StageName {
  return (STAGE_NAMES as readonly string[]).includes(name);
}

/** The problem an unknown stage name is reported as. */
export function unknownStageProblem(name: string): ConfigProblem {
  return {
    stage: name,
    field: "stage",
    message: `unknown stage; expected one of ${STAGE_NAMES.join(", ")}`,
  };
}

/**
 * The validated configuration of a stage (and of {@link PROJECT}, which every stage builds on);
 * throws {@link StageConfigError} listing every problem otherwise.
 */
export function getStageConfig(name: string): StageConfig {
  if (!isStageName(name)) throw new StageConfigError([unknownStageProblem(name)]);
  return validateStageConfig(STAGES[name]);
}

/**
 * Lambda's "Concurrent executions" quota in Service Quotas. `npm run deploy` reads it (see
 * tools/release/deploy-preflight.ts) and the deploy role may read this one quota.
 */
export const LAMBDA_CONCURRENCY_QUOTA = { serviceCode: "lambda", quotaCode: "L-B99A9384" } as const;

/**
 * The concurrency a stage reserves in its account, summed over every function it creates (today
 * only the service function reserves any). Lambda keeps 100 executions unreserved, so the
 * account's quota must be at least this + 100; `npm run deploy` checks that before it applies.
 */
export function reservedConcurrencyOf(config: StageConfig): number {
  return config.function.reservedConcurrency ?? 0;
}

/** The defaults a stage config may leave out, applied in one place. */
export function architectureOf(config: StageConfig): Architecture {
  return config.function.architecture ?? "arm64";
}

/** `<project>-<stage>[-<suffix>]`: the name stem of every resource a stage owns. */
export function resourceName(config: StageConfig, suffix?: string): string {
  return suffix ? `${PROJECT.name}-${config.stage}-${suffix}` : `${PROJECT.name}-${config.stage}`;
}

/**
 * Names of the DORA recorder's resources. The stage stack creates them and
 * `npm run dora -- report --source aws` reads the log group, so both take them from here.
 */
export function doraRecorderNames(config: StageConfig): {
  readonly functionName: string;
  readonly logGroupName: string;
  /** Every steady-state alarm of the stage is named `<project>-<stage>-<what>`. */
  readonly alarmNamePrefix: string;
  /** The DynamoDB table where the recorder claims each event once, across containers. */
  readonly idempotencyTableName: string;
} {
  const functionName = resourceName(config, "dora-recorder");
  return {
    functionName,
    logGroupName: `/aws/lambda/${functionName}`,
    alarmNamePrefix: `${resourceName(config)}-`,
    idempotencyTableName: resourceName(config, "dora-idempotency"),
  };
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
// Deliberately simple: one @, no spaces, a dot in the domain. SNS confirms the address anyway.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

/** The shared account as validation sees it (a parameter so that tests can move it). */
export interface SharedAccountSettings {
  readonly account: { readonly id: string; readonly region: string };
  readonly state: { readonly bucket: string };
}

/**
 * Checks {@link PROJECT} and every given stage against what AWS accepts and what this project
 * requires, and throws one {@link StageConfigError} listing every problem of every stage (not
 * just the first one found).
 */
export function validateStageConfigs(
  configs: readonly StageConfig[],
  shared: SharedAccountSettings = PROJECT.shared,
): readonly StageConfig[] {
  const problems = configurationProblems(configs, shared);
  if (problems.length > 0) throw new StageConfigError(problems);
  return configs;
}

/** Every problem of {@link PROJECT} and of the given stages, without throwing. */
export function configurationProblems(
  configs: readonly StageConfig[],
  shared: SharedAccountSettings = PROJECT.shared,
): ConfigProblem[] {
  return [
    ...projectProblems(shared),
    ...configs.flatMap((config) => stageConfigProblems(config, shared)),
  ];
}

/** {@link validateStageConfigs} for one stage. */
export function validateStageConfig(
  config: StageConfig,
  shared: SharedAccountSettings = PROJECT.shared,
): StageConfig {
  validateStageConfigs([config], shared);
  return config;
}

/** Reports a malformed account id or region under `<field>.id` / `<field>.region`. */
function accountProblems(
  field: string,
  account: { readonly id: string; readonly region: string },
  problem: (field: string, message: string) => void,
): void {
  if (!ACCOUNT_ID.test(account.id)) {
    problem(`${field}.id`, `must be a 12-digit AWS account id, got "${account.id}"`);
  }
  if (!REGION_PATTERN.test(account.region)) {
    problem(`${field}.region`, `must be an AWS region such as eu-west-1, got "${account.region}"`);
  }
}

/** What is wrong with the project-wide settings (the shared account and its state bucket). */
export function projectProblems(shared: SharedAccountSettings = PROJECT.shared): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (field: string, message: string) =>
    problems.push({ stage: "project", field, message });
  accountProblems("shared.account", shared.account, problem);
  if (!S3_BUCKET.test(shared.state.bucket)) {
    problem(
      "shared.state.bucket",
      `must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens), got "${shared.state.bucket}": shorten PROJECT.name`,
    );
  }
  return problems;
}

/** Every problem of one stage's configuration, each naming the stage and the field. */
export function stageConfigProblems(
  config: StageConfig,
  shared: SharedAccountSettings = PROJECT.shared,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (field: string, message: string) =>
    problems.push({ stage: config.stage, field, message });
  const integerIn = (field: string, value: number, min: number, max: number, unit = "") => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problem(field, `must be a whole number from ${min} to ${max}${unit}, got ${value}`);
    }
  };

  if (!isStageName(config.stage)) {
    problem("stage", `unknown stage; expected one of ${STAGE_NAMES.join(", ")}`);
  }
  accountProblems("account", config.account, problem);
  const sharedAccountReason = config.account.sharedAccountReason;
  if (config.account.id === shared.account.id) {
    if (sharedAccountReason === undefined || sharedAccountReason.trim().length === 0) {
      problem(
        "account.id",
        `is the shared account (${shared.account.id}), which holds every stage's state and the image repository: whoever deploys ${config.stage} could read or change them. Give the stage an account of its own, or set account.sharedAccountReason to say why it may share it`,
      );
    }
  } else if (sharedAccountReason !== undefined) {
    problem(
      "account.sharedAccountReason",
      `is set but account.id (${config.account.id}) is not the shared account (${shared.account.id}); remove it`,
    );
  }

  const fn = config.function;
  integerIn("function.memoryMb", fn.memoryMb, 128, 10240, " MB (Lambda's memory range)");
  integerIn("function.timeoutSeconds", fn.timeoutSeconds, 1, 900, " seconds (Lambda's limit)");
  if (
    fn.architecture !== undefined &&
    fn.architecture !== "arm64" &&
    fn.architecture !== "x86_64"
  ) {
    problem("function.architecture", `must be "arm64" or "x86_64", got "${fn.architecture}"`);
  }
  if (fn.reservedConcurrency !== undefined) {
    integerIn("function.reservedConcurrency", fn.reservedConcurrency, 1, 10_000);
  } else if (config.stage !== "dev") {
    problem(
      "function.reservedConcurrency",
      "must be set outside dev, so one runaway stage cannot starve the account",
    );
  }
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(fn.logRetentionDays)) {
    problem(
      "function.logRetentionDays",
      `must be one of the values CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(", ")}), got ${fn.logRetentionDays}`,
    );
  } else if (config.stage === "prod" && fn.logRetentionDays < 30) {
    problem(
      "function.logRetentionDays",
      `must be at least 30 days in prod, got ${fn.logRetentionDays}`,
    );
  }
  if (!(APPLICATION_LOG_LEVELS as readonly string[]).includes(fn.logLevel)) {
    problem(
      "function.logLevel",
      `must be one of ${APPLICATION_LOG_LEVELS.join(", ")}, got "${fn.logLevel}"`,
    );
  }
  if (fn.url.authType === "NONE") {
    if (fn.url.publicReason.trim().length === 0) {
      problem("function.url.publicReason", "a public (authType NONE) Function URL must say why");
    }
  } else if (fn.url.authType !== "AWS_IAM") {
    problem(
      "function.url.authType",
      `must be "AWS_IAM" or "NONE", got "${(fn.url as { authType: string }).authType}"`,
    );
  }

  const alarms = config.alarms;
  const positive = (field: string, value: number) => {
    if (!Number.isFinite(value) || value <= 0)
      problem(field, `must be a positive number, got ${value}`);
  };
  positive("alarms.errorsPerMinute", alarms.errorsPerMinute);
  positive("alarms.throttlesPerMinute", alarms.throttlesPerMinute);
  positive("alarms.url5xxPerMinute", alarms.url5xxPerMinute);
  positive("alarms.p99DurationMs", alarms.p99DurationMs);
  if (alarms.p99DurationMs >= fn.timeoutSeconds * 1000) {
    problem(
      "alarms.p99DurationMs",
      `must be below the timeout (${fn.timeoutSeconds * 1000} ms) so the alarm fires before invocations time out, got ${alarms.p99DurationMs}`,
    );
  }
  if (!(alarms.concurrencyUtilization > 0 && alarms.concurrencyUtilization <= 1)) {
    problem(
      "alarms.concurrencyUtilization",
      `must be a fraction above 0 and at most 1, got ${alarms.concurrencyUtilization}`,
    );
  }
  integerIn("alarms.accountConcurrencyLimit", alarms.accountConcurrencyLimit, 10, 1_000_000);
  integerIn("alarms.evaluationPeriods", alarms.evaluationPeriods, 1, 60);

  config.notifications.emails.forEach((email, index) => {
    if (!EMAIL.test(email)) {
      problem(`notifications.emails[${index}]`, `must be an e-mail address, got "${email}"`);
    }
  });

  const shifting = config.delivery.trafficShifting;
  if (shifting.kind === "canary" || shifting.kind === "linear") {
    integerIn("delivery.trafficShifting.percentage", shifting.percentage, 1, 99, " %");
    integerIn(
      "delivery.trafficShifting.intervalMinutes",
      shifting.intervalMinutes,
      1,
      2880,
      " minutes",
    );
  } else if (shifting.kind !== "all-at-once") {
    problem("delivery.trafficShifting.kind", `must be "all-at-once", "canary" or "linear"`);
  }
  positive("delivery.canaryErrorsPerMinute", config.delivery.canaryErrorsPerMinute);
  positive("delivery.canaryP99DurationMs", config.delivery.canaryP99DurationMs);
  if (config.delivery.canaryP99DurationMs >= fn.timeoutSeconds * 1000) {
    problem(
      "delivery.canaryP99DurationMs",
      `must be below the timeout (${fn.timeoutSeconds * 1000} ms)`,
    );
  }

  if (!GITHUB_REPOSITORY.test(config.ci.githubRepository)) {
    problem("ci.githubRepository", `must be "owner/name", got "${config.ci.githubRepository}"`);
  }
  const recordRetention = config.dora.recordRetentionDays;
  if (
    !(LOG_RETENTION_DAYS as readonly number[]).includes(recordRetention) ||
    recordRetention < 30
  ) {
    problem(
      "dora.recordRetentionDays",
      `must be a retention CloudWatch Logs accepts and at least 30 days (the report's default window), got ${recordRetention}`,
    );
  }
  if (config.ci.githubEnvironment.trim().length === 0) {
    problem("ci.githubEnvironment", "must name the GitHub environment that guards this stage");
  }

  if (!S3_BUCKET.test(config.state.bucket)) {
    problem("state.bucket", `must be a valid S3 bucket name, got "${config.state.bucket}"`);
  }
  if (!REGION_PATTERN.test(config.state.region)) {
    problem("state.region", `must be an AWS region, got "${config.state.region}"`);
  }
  if (!config.state.key.endsWith(".tfstate") || !config.state.key.includes(config.stage)) {
    problem(
      "state.key",
      `must be a per-stage *.tfstate key naming the stage, got "${config.state.key}"`,
    );
  }

  for (const required of ["project", "stage", "managed-by"]) {
    if (!config.tags[required]) problem(`tags.${required}`, "is required on every stage");
  }
  if (config.tags.stage !== undefined && config.tags.stage !== config.stage) {
    problem(
      "tags.stage",
      `must equal the stage name "${config.stage}", got "${config.tags.stage}"`,
    );
  }
  for (const key of Object.keys(config.tags)) {
    if (!TAG_KEY.test(key) || key.toLowerCase().startsWith("aws:")) {
      problem(`tags.${key}`, "is not a valid tag key");
    }
  }

  return problems;
}

/**
 * The container image to deploy, chosen per run rather than edited into code:
 * `IMAGE_DIGEST` (sha256:...) pins the exact image and is preferred in `test` and `prod`;
 * `IMAGE_TAG` names it otherwise (and becomes the function's `VERSION`).
 */
export interface ImageSelection {
  readonly tag: string;
  readonly digest: string | undefined;
  readonly repositoryUrl: string;
  /** `repository@sha256:...` when a digest is given, else `repository:tag`. */
  readonly uri: string;
}

export const DEFAULT_IMAGE_TAG = "unreleased";
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** URL of the shared ECR repository as every stage pulls from it. */
export function ecrRepositoryUrl(): string {
  const { id, region } = PROJECT.shared.account;
  return `${id}.dkr.ecr.${region}.amazonaws.com/${PROJECT.ecrRepositoryName}`;
}

export function selectImage(env: Readonly<Record<string, string | undefined>>): ImageSelection {
  const tag = env.IMAGE_TAG?.trim() || DEFAULT_IMAGE_TAG;
  const digest = env.IMAGE_DIGEST?.trim() || undefined;
  if (!IMAGE_TAG.test(tag)) {
    throw new Error(
      `IMAGE_TAG must be a Docker tag ([A-Za-z0-9_.-], at most 128 characters), got "${tag}"`,
    );
  }
  if (digest !== undefined && !IMAGE_DIGEST.test(digest)) {
    throw new Error(`IMAGE_DIGEST must look like sha256:<64 hex digits>, got "${digest}"`);
  }
  if (digest !== undefined && !env.IMAGE_TAG?.trim()) {
    // The tag is the function's VERSION: a digest alone would report "unreleased" in every answer.
    throw new Error(
      "IMAGE_DIGEST is set but IMAGE_TAG is not: set IMAGE_TAG to the tag the image was pushed as (it becomes the function's VERSION)",
    );
  }
  const repositoryUrl = ecrRepositoryUrl();
  return {
    tag,
    digest,
    repositoryUrl,
    uri: digest ? `${repositoryUrl}@${digest}` : `${repositoryUrl}:${tag}`,
  };
}
