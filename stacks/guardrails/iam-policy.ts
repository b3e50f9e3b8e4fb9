import {
  actionExists,
  hasNoResourceType,
  hasOnlyOptionalResourceTypes,
  iamDataVersion,
} from "./iam-actions";

/**
 * Pure analysis of IAM policy statements (no CDKTF, no I/O): the two shapes a policy reaches the
 * synthesized configuration in (a JSON policy document, or the `statement` blocks of an
 * `aws_iam_policy_document` data source) are normalised into one {@link NormalizedStatement},
 * and the checks below read only that.
 */

/** One statement with every field that can be a string or a list turned into a list. */
export interface NormalizedStatement {
  readonly sid: string | undefined;
  readonly effect: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  /** `"*"` as a principal is normalised to `{ type: "AWS", identifiers: ["*"] }`, as IAM treats it. */
  readonly principals: readonly NormalizedPrincipal[];
  readonly notPrincipals: readonly NormalizedPrincipal[];
  /** Condition keys in lower case (IAM compares them case-insensitively). */
  readonly conditionKeys: readonly string[];
}

export interface NormalizedPrincipal {
  readonly type: string;
  readonly identifiers: readonly string[];
}

/** A policy the checker cannot read (not JSON, not an object, a malformed statement). */
export class UnreadablePolicyError extends Error {
  override readonly name = "UnreadablePolicyError";
}

/**
 * Decisions about `Resource: "*"` that the reference data cannot make: a condition an action must
 * carry to use it, or an action whose resource types are all optional (AWS may authorise the call
 * without one, so naming an ARN could deny it) that may use it. Each entry must agree with the
 * data (see {@link acceptsResourceStar}). Keep this list short: every entry is a decision.
 */
export interface ResourceStarDecision {
  readonly why: string;
  /**
   * A condition key (lower case) the statement must carry; a key ending in `/` accepts any key
   * with that prefix (`aws:requesttag/` matches `aws:RequestTag/stage`).
   * @default none
   */
  readonly requiredCondition?: string;
}

export const RESOURCE_STAR_DECISIONS: Readonly<Record<string, ResourceStarDecision>> = {
  "cloudwatch:putmetricdata": {
    why: "metrics have no ARN; the namespace condition is the only way to scope it",
    requiredCondition: "cloudwatch:namespace",
  },
  "kms:createkey": {
    why: "a key has no ARN before it exists; a request-tag condition limits it to tagged keys",
    requiredCondition: "aws:requesttag/",
  },
  "sns:getsubscriptionattributes": {
    why: "how aws_sns_topic_subscription is read; the topic is an optional resource type",
  },
  "sns:setsubscriptionattributes": {
    why: "updates an aws_sns_topic_subscription; the topic is an optional resource type",
  },
  "sns:unsubscribe": {
    why: "deletes an aws_sns_topic_subscription; the topic is an optional resource type",
  },
};

/**
 * Whether an Allow statement may name `Resource: "*"` for the action: the Service Authorization
 * Reference lists no resource type for it (an ARN would never match), or all of its resource
 * types are optional and {@link RESOURCE_STAR_DECISIONS} accepts it; in both cases with the
 * condition the decision requires. `conditionKeys` are the statement's, in lower case.
 */
export function acceptsResourceStar(action: string, conditionKeys: readonly string[]): boolean {
  const decision = RESOURCE_STAR_DECISIONS[action.toLowerCase()];
  const fromData =
    hasNoResourceType(action) || (decision !== undefined && hasOnlyOptionalResourceTypes(action));
  if (!fromData) return false;
  return (
    decision?.requiredCondition === undefined ||
    satisfies(conditionKeys, decision.requiredCondition)
  );
}

/**
 * Trust and resource policies, by resource type: the attribute that holds the JSON. ALC012 checks
 * their principals, ALC004 their actions.
 */
export const RESOURCE_POLICY_ATTRIBUTES: Readonly<Record<string, string>> = {
  aws_iam_role: "assume_role_policy",
  aws_sns_topic: "policy",
  aws_sns_topic_policy: "policy",
  aws_kms_key: "policy",
  aws_ecr_repository_policy: "policy",
  aws_s3_bucket_policy: "policy",
  aws_sqs_queue_policy: "policy",
  aws_cloudwatch_event_bus_policy: "policy",
};

function satisfies(conditionKeys: readonly string[], required: string): boolean {
  return conditionKeys.some((key) =>
    required.endsWith("/") ? key.startsWith(required) : key === required,
  );
}

type Json = unknown;

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringList(value: Json, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  throw new UnreadablePolicyError(`${field} must be a string or a list of strings`);
}

function principalsFromJson(value: Json, field: string): NormalizedPrincipal[] {
  if (value === undefined || value === null) return [];
  if (value === "*") return [{ type: "AWS", identifiers: ["*"] }];
  if (!isRecord(value)) {
    throw new UnreadablePolicyError(`${field} must be "*" or an object of principal lists`);
  }
  return Object.entries(value).map(([type, identifiers]) => ({
    type,
    identifiers: stringList(identifiers, `${field}.${type}`),
  }));
}

function conditionKeysFromJson(value: Json): string[] {
  if (!isRecord(value)) return [];
  return Object.values(value).flatMap((block) =>
    isRecord(block) ? Object.keys(block).map((key) => key.toLowerCase()) : [],
  );
}

/** Statements of a JSON policy document (`{"Version": ..., "Statement": [...]}`). */
export function statementsFromPolicyJson(document: Json): NormalizedStatement[] {
  if (!isRecord(document)) throw new UnreadablePolicyError("the policy is not a JSON object");
  const raw = document.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return statements.map((statement, index) => {
    const field = `Statement[${index}]`;
    if (!isRecord(statement)) throw new UnreadablePolicyError(`${field} is not an object`);
    const effect = statement.Effect;
    if (effect !== "Allow" && effect !== "Deny") {
      throw new UnreadablePolicyError(`${field}.Effect must be "Allow" or "Deny"`);
    }
    return {
      sid: typeof statement.Sid === "string" ? statement.Sid : undefined,
      effect,
      actions: stringList(statement.Action, `${field}.Action`),
      notActions: stringList(statement.NotAction, `${field}.NotAction`),
      resources: stringList(statement.Resource, `${field}.Resource`),
      notResources: stringList(statement.NotResource, `${field}.NotResource`),
      principals: principalsFromJson(statement.Principal, `${field}.Principal`),
      notPrincipals: principalsFromJson(statement.NotPrincipal, `${field}.NotPrincipal`),
      conditionKeys: conditionKeysFromJson(statement.Condition),
    };
  });
}

function principalsFromBlocks(value: Json, field: string): NormalizedPrincipal[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new UnreadablePolicyError(`${field} must be a list of blocks`);
  return value.map((block, index) => {
    if (!isRecord(block) || typeof block.type !== "string") {
      throw new UnreadablePolicyError(`${field}[${index}] needs a type`);
    }
    return { type: block.type, identifiers: stringList(block.identifiers, `${field}[${index}]`) };
  });
}

/**
 * Statements of an `aws_iam_policy_document` data source, from its synthesized (resolved)
 * configuration: `statement` blocks with `effect` (default Allow), `actions`, `resources`,
 * `principals { type identifiers }` and `condition { test variable values }`.
 */
export function statementsFromPolicyDocumentBlocks(config: Json): NormalizedStatement[] {
  if (!isRecord(config)) throw new UnreadablePolicyError("the policy document is not an object");
  const raw = config.statement ?? [];
  if (!Array.isArray(raw)) throw new UnreadablePolicyError("statement must be a list of blocks");
  return raw.map((statement, index) => {
    const field = `statement[${index}]`;
    if (!isRecord(statement)) throw new UnreadablePolicyError(`${field} is not a block`);
    const effect = statement.effect ?? "Allow";
    if (effect !== "Allow" && effect !== "Deny") {
      throw new UnreadablePolicyError(`${field}.effect must be "Allow" or "Deny"`);
    }
    const conditions = Array.isArray(statement.condition) ? statement.condition : [];
    return {
      sid: typeof statement.sid === "string" ? statement.sid : undefined,
      effect,
      actions: stringList(statement.actions, `${field}.actions`),
      notActions: stringList(statement.not_actions, `${field}.not_actions`),
      resources: stringList(statement.resources, `${field}.resources`),
      notResources: stringList(statement.not_resources, `${field}.not_resources`),
      principals: principalsFromBlocks(statement.principals, `${field}.principals`),
      notPrincipals: principalsFromBlocks(statement.not_principals, `${field}.not_principals`),
      conditionKeys: conditions.flatMap((condition) =>
        isRecord(condition) && typeof condition.variable === "string"
          ? [condition.variable.toLowerCase()]
          : [],
      ),
    };
  });
}

/** `"*"`, `"s3:*"`, `"*:Get"`: an action pattern that covers a whole service (or every service). */
export function isServiceWideAction(action: string): boolean {
  if (action === "*") return true;
  const colon = action.indexOf(":");
  if (colon < 0) return false;
  const service = action.slice(0, colon);
  const name = action.slice(colon + 1);
  return service.includes("*") || name === "*";
}

function describe(statement: NormalizedStatement, index: number): string {
  return statement.sid ? `statement "${statement.sid}"` : `statement ${index + 1}`;
}

/** The action part of least privilege: an Allow statement's `"*"`, `"s3:*"` or NotAction. */
function wildcardActionProblems(statement: NormalizedStatement, where: string): string[] {
  const problems: string[] = [];
  const wide = statement.actions.filter(isServiceWideAction);
  if (wide.length > 0) {
    problems.push(`${where} allows ${wide.map((a) => `"${a}"`).join(", ")}`);
  }
  if (statement.notActions.length > 0) {
    problems.push(`${where} uses NotAction with Allow (grants every other action)`);
  }
  return problems;
}

/**
 * Least-privilege problems of a permission (identity) policy: an Allow statement that grants
 * every action (or a whole service), uses NotAction/NotResource, or names `Resource: "*"` for an
 * action that is not {@link acceptsResourceStar}. Deny statements are never a problem.
 */
export function permissionPolicyProblems(statements: readonly NormalizedStatement[]): string[] {
  const problems: string[] = [];
  statements.forEach((statement, index) => {
    if (statement.effect !== "Allow") return;
    const where = describe(statement, index);
    problems.push(...wildcardActionProblems(statement, where));
    if (statement.notResources.length > 0) {
      problems.push(`${where} uses NotResource with Allow (grants every other resource)`);
    }
    if (!statement.resources.includes("*")) return;
    const unscoped = statement.actions.filter(
      (action) => !acceptsResourceStar(action, statement.conditionKeys),
    );
    if (unscoped.length > 0) {
      problems.push(
        `${where} allows ${unscoped.map((a) => `"${a}"`).join(", ")} on Resource "*"` +
          " (AWS authorises it on a resource, or the statement lacks the condition it needs)",
      );
    }
  });
  return problems;
}

/**
 * Actions (or patterns) of any statement, Allow or Deny, that name no action that exists in the
 * Service Authorization Reference: a typo allows nothing, and a Deny with one protects nothing.
 */
export function unknownActionProblems(statements: readonly NormalizedStatement[]): string[] {
  return statements.flatMap((statement, index) => {
    const unknown = [...statement.actions, ...statement.notActions].filter(
      (action) => action !== "*" && !actionExists(action),
    );
    return unknown.length > 0
      ? [
          `${describe(statement, index)} names ${unknown.map((a) => `"${a}"`).join(", ")}, which ` +
            `no AWS action matches (Service Authorization Reference ${iamDataVersion()})`,
        ]
      : [];
  });
}

/**
 * Least-privilege problems of a resource or trust policy (key, topic, bucket, repository policy):
 * the action part only, an Allow statement that grants every action, a whole service or uses
 * NotAction. `Resource` is deliberately not checked: in a resource policy it can only name the
 * resource the policy is attached to, so `"*"` there means "this resource" (in a KMS key policy
 * it means "this key", and AWS requires it), not "every resource in the account".
 */
export function resourcePolicyActionProblems(statements: readonly NormalizedStatement[]): string[] {
  return statements.flatMap((statement, index) =>
    statement.effect === "Allow"
      ? wildcardActionProblems(statement, describe(statement, index))
      : [],
  );
}

function isAnyone(principal: NormalizedPrincipal): boolean {
  return principal.identifiers.includes("*");
}

/**
 * Problems of a trust or resource policy: an Allow statement whose principal is anyone
 * (`"*"` or `{"AWS": "*"}`) with no condition to narrow it, or that uses NotPrincipal.
 */
export function principalPolicyProblems(statements: readonly NormalizedStatement[]): string[] {
  const problems: string[] = [];
  statements.forEach((statement, index) => {
    if (statement.effect !== "Allow") return;
    const where = describe(statement, index);
    if (statement.notPrincipals.length > 0) {
      problems.push(`${where} uses NotPrincipal with Allow (trusts everyone else)`);
    }
    if (statement.principals.some(isAnyone) && statement.conditionKeys.length === 0) {
      problems.push(`${where} allows Principal "*" without a condition`);
    }
  });
  return problems;
}
