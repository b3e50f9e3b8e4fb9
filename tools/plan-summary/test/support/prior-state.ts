/**
 * Builds a Terraform state (format v4) from a plan's planned values, as if that plan had been
 * applied: known values are copied, computed ("known after apply") attributes get a value that
 * follows the configuration's references (so `role = aws_iam_role.x.id` matches the role's fake
 * id) or, failing that, a fake value of the attribute's type from the provider schema.
 *
 * Planning a changed configuration against such a state (with `-refresh=false`, no AWS) shows
 * the updates, replacements and deletions a real pull request would show.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** `terraform providers schema -json` (only what is read here). */
export interface ProviderSchemas {
  readonly provider_schemas: Readonly<
    Record<
      string,
      { readonly resource_schemas: Readonly<Record<string, { readonly block: Block }>> }
    >
  >;
}
interface Block {
  readonly attributes?: Readonly<
    Record<
      string,
      { readonly type: Json; readonly optional?: boolean; readonly computed?: boolean }
    >
  >;
  readonly block_types?: Readonly<
    Record<string, { readonly nesting_mode: string; readonly block?: Block }>
  >;
}

interface PlannedResource {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly provider_name: string;
  readonly schema_version: number;
  readonly values: JsonObject;
}

export interface PlanForState {
  readonly terraform_version: string;
  readonly planned_values: { readonly root_module: { readonly resources?: PlannedResource[] } };
  readonly resource_changes: readonly {
    readonly address: string;
    readonly change: { readonly after_unknown?: Json };
  }[];
  readonly configuration: {
    readonly root_module: {
      readonly resources?: readonly {
        readonly address: string;
        readonly expressions?: Readonly<Record<string, Json>>;
      }[];
    };
  };
}

const REFERENCE = /\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)\}/g;

/**
 * A plausible applied value for a computed attribute: optional+computed attributes the
 * configuration leaves out get AWS's "not set" value (empty), computed-only ones (ids, ARNs,
 * versions) a stable fake that passes the provider's format checks.
 */
function fakeValue(
  attribute: { readonly type: Json; readonly optional?: boolean } | undefined,
  resourceType: string,
  address: string,
  name: string,
): Json {
  const type = attribute?.type;
  if (type === "number") return 0;
  if (type === "bool") return false;
  if (Array.isArray(type)) {
    const kind = type[0];
    if (kind === "list" || kind === "set") return [];
    if (kind === "map") return {};
    return null;
  }
  if (type === undefined) return []; // a nested block (list/set nesting in this provider)
  // The SDK treats an empty `id` as "resource gone", so it always gets a value.
  if (attribute?.optional && name !== "id") return "";
  const slug = address.replace(/[^A-Za-z0-9-]/g, "-");
  if (name === "arn" || name.endsWith("_arn")) {
    const service = resourceType.split("_")[1] ?? "fake";
    return `arn:aws:${service}:eu-west-1:123456789012:${name}/${slug}`;
  }
  // Lambda versions are numbers as strings.
  if (name === "version") return "1";
  return `fake-${slug}-${name}`;
}

/**
 * The value a configuration expression evaluates to once its references are known; `undefined`
 * while some reference is still unknown (the caller retries after resolving more resources).
 */
function resolveExpression(
  value: Json,
  lookup: (address: string, attribute: string) => Json | undefined,
): Json | undefined {
  if (typeof value === "string") {
    // `Fn.join(",", [...])` of references and string literals (e.g. the hook's ALARM_NAMES).
    const join = /^\$\{join\("([^"]*)", \[(.*)\]\)\}$/.exec(value);
    if (join) {
      const items = (join[2] as string).split(", ").map((item) => {
        const literal = /^"(.*)"$/.exec(item);
        return literal ? literal[1] : resolveExpression(`\${${item}}`, lookup);
      });
      return items.some((item) => typeof item !== "string") ? undefined : items.join(join[1]);
    }
    const whole = /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(value);
    if (whole) return lookup(whole[1] as string, whole[2] as string);
    let missing = false;
    const replaced = value.replace(REFERENCE, (_match, address: string, attribute: string) => {
      const found = lookup(address, attribute);
      if (found === undefined) missing = true;
      return typeof found === "string" ? found : JSON.stringify(found);
    });
    return missing ? undefined : replaced;
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => resolveExpression(item, lookup));
    return items.some((item) => item === undefined) ? undefined : (items as Json[]);
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(
      ([key, item]) => [key, resolveExpression(item, lookup)] as const,
    );
    return entries.some(([, item]) => item === undefined)
      ? undefined
      : (Object.fromEntries(entries) as JsonObject);
  }
  return value;
}

/** True when an `after_unknown` value marks something (at any depth) as unknown. */
function containsUnknown(value: Json): boolean {
  if (value === true) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object")
    return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * The state a successful apply of `plan` would leave (format v4).
 * @param schemas the provider schemas, for the types of computed attributes
 */
export function stateFromPlan(plan: PlanForState, schemas: ProviderSchemas): JsonObject {
  const resources = plan.planned_values.root_module.resources ?? [];
  const unknownByAddress = new Map(
    plan.resource_changes.map((change) => [change.address, change.change.after_unknown ?? {}]),
  );
  const expressionsByAddress = new Map(
    (plan.configuration.root_module.resources ?? []).map((resource) => [
      resource.address,
      resource.expressions ?? {},
    ]),
  );
  const attributesByAddress = new Map<string, JsonObject>(
    resources.map((resource) => [resource.address, { ...resource.values }]),
  );
  const pending = new Map<string, Set<string>>();
  for (const resource of resources) {
    const unknown = unknownByAddress.get(resource.address);
    const names =
      unknown && typeof unknown === "object" && !Array.isArray(unknown)
        ? Object.entries(unknown)
            // Wholly unknown, or a map/list with unknown parts (e.g. one alarm dimension).
            .filter(([, isUnknown]) => containsUnknown(isUnknown))
            .map(([name]) => name)
        : [];
    pending.set(resource.address, new Set(names));
  }
  const schemaOf = (type: string): Block => {
    const schema = Object.values(schemas.provider_schemas)
      .map((provider) => provider.resource_schemas[type])
      .find((found) => found !== undefined);
    if (!schema) throw new Error(`no provider schema for ${type}`);
    return schema.block;
  };
  const isReference = (expression: Json | undefined): expression is JsonObject =>
    typeof expression === "object" &&
    expression !== null &&
    !Array.isArray(expression) &&
    "constant_value" in expression;
  const lookup = (address: string, attribute: string): Json | undefined => {
    if (pending.get(address)?.has(attribute)) return undefined;
    return attributesByAddress.get(address)?.[attribute];
  };
  /** A configured nested block with some computed parts, which an apply keeps and fills in. */
  const isPlannedNestedBlock = (resource: PlannedResource, name: string): boolean => {
    const planned = resource.values[name];
    return (
      schemaOf(resource.type).block_types?.[name]?.block !== undefined &&
      Array.isArray(planned) &&
      planned.length > 0
    );
  };
  /**
   * Fills the unknown parts of nested block elements (e.g. a DynamoDB table's
   * `server_side_encryption { enabled = true }` whose key ARN AWS picks, or an event invoke
   * config's `destination_config { on_failure { destination = <a function's ARN> } }`), at any
   * depth: a part the configuration sets by reference gets the referenced value, others a fake.
   */
  const fillNested = (
    planned: Json,
    marks: Json,
    block: Block,
    expressions: Json | undefined,
    resource: PlannedResource,
  ): Json => {
    if (!Array.isArray(planned)) return planned;
    return planned.map((element, index) => {
      const elementMarks = Array.isArray(marks) ? marks[index] : undefined;
      if (
        element === null ||
        typeof element !== "object" ||
        Array.isArray(element) ||
        elementMarks === null ||
        typeof elementMarks !== "object" ||
        Array.isArray(elementMarks)
      ) {
        return element;
      }
      const elementExpressions = Array.isArray(expressions) ? expressions[index] : expressions;
      const expressionOf = (key: string): Json | undefined =>
        elementExpressions !== null &&
        typeof elementExpressions === "object" &&
        !Array.isArray(elementExpressions)
          ? elementExpressions[key]
          : undefined;
      const filled: JsonObject = { ...element };
      for (const [key, mark] of Object.entries(elementMarks)) {
        if (!containsUnknown(mark)) continue;
        const inner = block.block_types?.[key]?.block;
        const expression = expressionOf(key);
        if (inner && Array.isArray(filled[key])) {
          filled[key] = fillNested(filled[key] as Json, mark, inner, expression, resource);
          continue;
        }
        const resolved = isReference(expression)
          ? resolveExpression(expression.constant_value as Json, lookup)
          : undefined;
        filled[key] =
          resolved ?? fakeValue(block.attributes?.[key], resource.type, resource.address, key);
      }
      return filled;
    });
  };
  const fakeFor = (resource: PlannedResource, name: string): Json => {
    const block = schemaOf(resource.type);
    const attribute = block.attributes?.[name];
    const nested = block.block_types?.[name];
    if (nested?.block && isPlannedNestedBlock(resource, name)) {
      const unknown = (unknownByAddress.get(resource.address) as JsonObject | undefined)?.[name];
      const expressions = expressionsByAddress.get(resource.address)?.[name];
      return fillNested(
        resource.values[name] as Json,
        unknown ?? null,
        nested.block,
        expressions,
        resource,
      );
    }
    return attribute === undefined && nested?.nesting_mode === "single"
      ? null
      : fakeValue(attribute, resource.type, resource.address, name);
  };

  // Attributes no expression sets (ids, ARNs, ...) get their fake value first: they are what
  // the references below resolve to.
  for (const resource of resources) {
    const expressions = expressionsByAddress.get(resource.address) ?? {};
    const names = pending.get(resource.address) ?? new Set<string>();
    for (const name of [...names]) {
      // References, and nested blocks whose parts may hold references, wait for the others.
      if (isReference(expressions[name]) || isPlannedNestedBlock(resource, name)) continue;
      (attributesByAddress.get(resource.address) as JsonObject)[name] = fakeFor(resource, name);
      names.delete(name);
    }
  }

  // Resolve references until nothing changes; whatever is left (cycles) gets a fake value.
  for (let progress = true; progress; ) {
    progress = false;
    for (const [address, names] of pending) {
      const expressions = expressionsByAddress.get(address) ?? {};
      for (const name of names) {
        const expression = expressions[name];
        if (!isReference(expression)) continue;
        const value = resolveExpression(expression.constant_value as Json, lookup);
        if (value === undefined) continue;
        (attributesByAddress.get(address) as JsonObject)[name] = value;
        names.delete(name);
        progress = true;
      }
    }
  }

  const stateResources = resources.map((resource) => {
    const attributes = attributesByAddress.get(resource.address) as JsonObject;
    for (const name of pending.get(resource.address) ?? []) {
      attributes[name] = fakeFor(resource, name);
    }
    return {
      mode: resource.mode,
      type: resource.type,
      name: resource.name,
      provider: `provider["${resource.provider_name}"]`,
      instances: [
        { schema_version: resource.schema_version, attributes, sensitive_attributes: [] },
      ],
    };
  });

  return {
    version: 4,
    terraform_version: plan.terraform_version,
    serial: 1,
    lineage: "00000000-0000-4000-8000-000000000000",
    outputs: {},
    resources: stateResources,
    check_results: null,
  };
}
