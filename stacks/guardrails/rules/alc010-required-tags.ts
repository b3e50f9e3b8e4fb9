import { blocks, isNonEmptyString, stringMap } from "../attributes";
import type { ElementView, GuardrailRule, RuleContext } from "../rule";

export const REQUIRED_TAG_KEYS = ["project", "stage", "managed-by"] as const;

/** The provider configuration a resource uses: the one it names by alias, else the default one. */
function providerOf(element: ElementView, context: RuleContext): ElementView | undefined {
  const providerType = element.type.slice(0, element.type.indexOf("_"));
  return context.stack.providers.find(
    (provider) =>
      provider.type === providerType &&
      (provider.attributes.alias ?? undefined) === element.providerAlias,
  );
}

const defaultTagsByProvider = new WeakMap<ElementView, Record<string, string>>();

function defaultTagsOf(provider: ElementView | undefined): Record<string, string> {
  if (!provider) return {};
  let tags = defaultTagsByProvider.get(provider);
  if (!tags) {
    const maps = blocks(provider.attributes.default_tags).map((block) => stringMap(block.tags));
    tags = Object.assign({}, ...maps) as Record<string, string>;
    defaultTagsByProvider.set(provider, tags);
  }
  return tags;
}

/** Tags the resource ends up with: the provider's default_tags, overridden by its own tags. */
export function effectiveTags(element: ElementView, context: RuleContext): Record<string, string> {
  return { ...defaultTagsOf(providerOf(element, context)), ...stringMap(element.attributes.tags) };
}

/** ALC010: cost reports, access policies and on-call can tell what a resource is and whose. */
export const requiredTags: GuardrailRule = {
  id: "ALC010",
  title: "Every taggable resource carries the project, stage and managed-by tags",
  why:
    "Cost allocation, tag-based access control and incident triage all read these tags; an " +
    "untagged resource is an orphan nobody owns.",
  fix:
    "keep the provider's defaultTags from the stage config (config.tags), or add the missing " +
    "keys to the resource's tags; the stage tag must name the stack's stage",
  appliesTo: (element) =>
    element.kind === "resource" && element.taggable && element.type.startsWith("aws_"),
  check: (element, context) => {
    const tags = effectiveTags(element, context);
    const missing = REQUIRED_TAG_KEYS.filter((key) => !isNonEmptyString(tags[key]));
    const problems =
      missing.length > 0
        ? [
            `missing tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (neither on the resource nor in the provider's default_tags)`,
          ]
        : [];
    const stage = tags.stage;
    if (
      context.stage &&
      isNonEmptyString(stage) &&
      !stage.includes("${") &&
      stage !== context.stage
    ) {
      problems.push(`tag stage is "${stage}" in the ${context.stage} stack`);
    }
    return problems;
  },
};
