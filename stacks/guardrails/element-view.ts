/**
 * The adapter between CDKTF constructs and the pure rules: it turns a resource, data source or
 * provider into an {@link ElementView} (its synthesized configuration with every token resolved,
 * exactly what `cdk.tf.json` will hold, escape-hatch overrides included) and collects the
 * whole-stack facts ({@link StackView}) a few rules need.
 */
import {
  DefaultTokenResolver,
  StringConcat,
  TerraformDataSource,
  type TerraformElement,
  TerraformProvider,
  TerraformResource,
  type TerraformStack,
  Token,
  Tokenization,
} from "cdktf";
import { isRecord } from "./attributes";
import {
  type NormalizedStatement,
  statementsFromPolicyDocumentBlocks,
  statementsFromPolicyJson,
  UnreadablePolicyError,
} from "./iam-policy";
import type { Attributes, ElementView, StackView } from "./rule";

type PolicyResult =
  | { readonly statements: readonly NormalizedStatement[] }
  | { readonly unreadable: string };

const RESOLVER = new DefaultTokenResolver(new StringConcat());

/** Whether a value holds a token anywhere (a plain value is returned as is: much cheaper). */
function holdsToken(value: unknown): boolean {
  if (typeof value === "string" || typeof value === "number") return Token.isUnresolved(value);
  if (typeof value !== "object" || value === null) return false;
  if (Token.isUnresolved(value)) return true;
  const items = Array.isArray(value) ? value : Object.entries(value).flat();
  return items.some(holdsToken);
}

function resolveIn(stack: TerraformStack, value: unknown): unknown {
  if (!holdsToken(value)) return value;
  return Tokenization.resolve(value, { scope: stack, resolver: RESOLVER });
}

export type ElementKind = ElementView["kind"];

/** `resource`, `data` or `provider`; `undefined` for outputs, backends, locals and the like. */
export function kindOf(element: TerraformElement): ElementKind | undefined {
  if (TerraformResource.isTerraformResource(element)) return "resource";
  if (TerraformDataSource.isTerraformDataSource(element)) return "data";
  if (TerraformProvider.isTerraformProvider(element)) return "provider";
  return undefined;
}

/** Terraform type of an element of a known kind (`aws_sns_topic`, or `aws` for the provider). */
export function typeOf(element: TerraformElement): string {
  return (element as unknown as { terraformResourceType: string }).terraformResourceType;
}

/**
 * Whether the resource type accepts `tags`. Every generated binding of a taggable resource has
 * a `tagsInput` getter; untaggable ones (policies, aliases, attachments) have none.
 */
export function isTaggable(element: TerraformElement): boolean {
  return kindOf(element) === "resource" && "tagsInput" in element;
}

const inputGetterNames = new Map<string, string>();

/** `retention_in_days` → `retentionInDaysInput`: the getter every generated binding has. */
function inputGetterName(attribute: string): string {
  let name = inputGetterNames.get(attribute);
  if (name === undefined) {
    name = `${attribute.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())}Input`;
    inputGetterNames.set(attribute, name);
  }
  return name;
}

function isFlatValue(attribute: string, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every((item) => typeof item !== "object" || item === null);
  // The only map read this way: a nested block also arrives as an object, but with camelCase
  // keys (its internal value), which the rules must not see.
  return attribute === "tags" && Object.values(value).every((item) => typeof item === "string");
}

/**
 * One argument straight from the binding's `<name>Input` getter, skipping toTerraform(), when it
 * is a flat value (string, number, list of strings, the `tags` map) and no escape-hatch override
 * touches it. `known: false` sends the caller the slow, exact way: a nested block (the getter
 * returns it in camelCase), an override, a missing getter, or a cdktf version that keeps
 * overrides elsewhere.
 */
function flatArgument(
  element: TerraformElement,
  attribute: string,
): { known: boolean; value?: unknown } {
  const overrides = (element as unknown as { rawOverrides?: unknown }).rawOverrides;
  const getter = inputGetterName(attribute);
  if (!isRecord(overrides) || attribute in overrides || !(getter in element)) {
    return { known: false };
  }
  const value = (element as unknown as Record<string, unknown>)[getter];
  return isFlatValue(attribute, value) ? { known: true, value } : { known: false };
}

/** The raw (unresolved) configuration block of one element, from its own `toTerraform()`. */
function rawConfigOf(element: TerraformElement, kind: ElementKind): Record<string, unknown> {
  const type = typeOf(element);
  const json = element.toTerraform() as Record<string, Record<string, unknown>>;
  if (kind === "provider") {
    const configs = json.provider?.[type];
    const first = Array.isArray(configs) ? configs[0] : configs;
    return isRecord(first) ? first : {};
  }
  const block = kind === "resource" ? json.resource : json.data;
  const byName = block?.[type];
  const config = isRecord(byName) ? byName[element.friendlyUniqueId] : undefined;
  return isRecord(config) ? config : {};
}

function valueAt(root: unknown, path: string): unknown {
  let current = root;
  for (const segment of path.split(".")) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isRecord(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

const POLICY_DOCUMENT_REFERENCE =
  /^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.(?:json|minified_json)\}$/;

/** A `jsonencode(...)` call built with `Fn.jsonencode`: its argument, still as tokens. */
function jsonencodeArgument(raw: string): unknown {
  const fragments = Tokenization.reverseString(raw);
  const token = fragments.length === 1 ? fragments.firstToken : undefined;
  // cdktf's FunctionCall keeps `name` and `args` as public fields (cdktf 0.21); anything else
  // falls through to "unreadable", so a change in cdktf fails closed rather than open.
  const call = token as unknown as { name?: unknown; args?: unknown } | undefined;
  if (call?.name === "jsonencode" && Array.isArray(call.args) && call.args.length === 1) {
    return call.args[0];
  }
  return undefined;
}

/**
 * Builds and caches views of the elements of one stack. One instance per stack per aspect:
 * views are computed on first use, so elements no rule inspects are never resolved.
 */
export class StackElements {
  private readonly views = new Map<TerraformElement, ElementView>();
  private dataSources: Map<string, TerraformElement> | undefined;
  private stackView: StackView | undefined;

  constructor(private readonly stack: TerraformStack) {}

  /** Every resource, data source and provider of the stack (not of nested stacks). */
  elements(): TerraformElement[] {
    return this.stack.node
      .findAll()
      .filter(
        (node): node is TerraformElement =>
          kindOf(node as TerraformElement) !== undefined &&
          (node as TerraformElement).cdktfStack === this.stack,
      );
  }

  viewOf(element: TerraformElement): ElementView {
    const cached = this.views.get(element);
    if (cached) return cached;
    const kind = kindOf(element);
    if (!kind) throw new Error(`${element.node.path} is not a resource, data source or provider`);
    // The element's own toTerraform() is most of the cost of a view: done only when a rule
    // reads an attribute that the fast path below cannot answer.
    let raw: Record<string, unknown> | undefined;
    const rawConfig = () => {
      raw ??= rawConfigOf(element, kind);
      return raw;
    };
    const provider = (element as { provider?: TerraformProvider }).provider;
    const view: ElementView = {
      kind,
      type: typeOf(element),
      path: element.node.path,
      name: element.friendlyUniqueId,
      taggable: isTaggable(element),
      attributes: this.lazilyResolved(element, rawConfig),
      providerAlias: kind === "provider" ? undefined : provider?.alias,
      policyAt: (attribute) => {
        const flat = attribute.includes(".") ? { known: false } : flatArgument(element, attribute);
        return this.policyFrom(flat.known ? flat.value : valueAt(rawConfig(), attribute), 0);
      },
    };
    this.views.set(element, view);
    return view;
  }

  /**
   * The configuration with each top-level attribute resolved on first read: rules read two or
   * three attributes of a resource, and resolving all of them would double synth's own work.
   */
  private lazilyResolved(
    element: TerraformElement,
    rawConfig: () => Record<string, unknown>,
  ): Attributes {
    const resolved = new Map<string, unknown>();
    const read = (key: string): unknown => {
      const flat = flatArgument(element, key);
      return resolveIn(this.stack, flat.known ? flat.value : rawConfig()[key]);
    };
    return new Proxy({} as Record<string, unknown>, {
      get: (_target, key) => {
        if (typeof key !== "string" || key === "//") return undefined;
        if (!resolved.has(key)) resolved.set(key, read(key));
        return resolved.get(key);
      },
    }) as Attributes;
  }

  private policyDocumentNamed(name: string): TerraformElement | undefined {
    if (!this.dataSources) {
      this.dataSources = new Map(
        this.elements()
          .filter((e) => kindOf(e) === "data" && typeOf(e) === "aws_iam_policy_document")
          .map((e) => [e.friendlyUniqueId, e]),
      );
    }
    return this.dataSources.get(name);
  }

  private policyFrom(raw: unknown, depth: number): PolicyResult {
    if (raw === undefined || raw === null || raw === "") return { statements: [] };
    try {
      const unresolved = typeof raw !== "string" || Token.isUnresolved(raw);
      if (typeof raw === "string" && unresolved) {
        const argument = jsonencodeArgument(raw);
        if (argument !== undefined) {
          return { statements: statementsFromPolicyJson(resolveIn(this.stack, argument)) };
        }
      }
      // Most policies are literal JSON strings: no token to resolve, no second scan for one.
      const resolved = unresolved ? resolveIn(this.stack, raw) : raw;
      if (typeof resolved !== "string") return { statements: statementsFromPolicyJson(resolved) };
      const reference = POLICY_DOCUMENT_REFERENCE.exec(resolved);
      if (reference?.[1]) return this.policyDocumentStatements(reference[1], depth);
      let parsed: unknown;
      try {
        parsed = JSON.parse(resolved);
      } catch {
        return {
          unreadable:
            "the policy is neither a JSON document, a jsonencode() call nor a reference to an " +
            "aws_iam_policy_document in this stack, so it cannot be checked at synth time",
        };
      }
      return { statements: statementsFromPolicyJson(parsed) };
    } catch (error) {
      if (error instanceof UnreadablePolicyError) {
        return { unreadable: `the policy is malformed: ${error.message}` };
      }
      throw error;
    }
  }

  private policyDocumentStatements(name: string, depth: number): PolicyResult {
    const element = this.policyDocumentNamed(name);
    if (!element) {
      return { unreadable: `data.aws_iam_policy_document.${name} is not in this stack` };
    }
    if (depth > 8) return { unreadable: "policy documents nest more than 8 levels deep" };
    const view = this.viewOf(element);
    const statements = [...statementsFromPolicyDocumentBlocks(view.attributes)];
    // Documents merged in by source_policy_documents / override_policy_documents count too.
    for (const attribute of ["source_policy_documents", "override_policy_documents"]) {
      const merged = valueAt(rawConfigOf(element, "data"), attribute);
      const list = Array.isArray(merged) ? merged : merged === undefined ? [] : [merged];
      for (const item of list) {
        const result = this.policyFrom(item, depth + 1);
        if ("unreadable" in result) return result;
        statements.push(...result.statements);
      }
    }
    return { statements };
  }

  /** Whole-stack facts, computed once. */
  facts(): StackView {
    if (this.stackView) return this.stackView;
    const elements = this.elements();
    const views = (types: readonly string[]) =>
      elements.filter((e) => types.includes(typeOf(e))).map((e) => this.viewOf(e));

    const functionsServedByUrl = new Set<string>();
    const functionNamesServedByUrl = new Set<string>();
    for (const url of views(["aws_lambda_function_url"])) {
      const target = url.attributes.function_name;
      if (typeof target !== "string") continue;
      const reference = /^\$\{aws_lambda_function\.([A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(target);
      if (reference?.[1]) functionsServedByUrl.add(reference[1]);
      else functionNamesServedByUrl.add(target);
    }

    this.stackView = {
      path: this.stack.node.path,
      providers: elements.filter((e) => kindOf(e) === "provider").map((e) => this.viewOf(e)),
      resourceTypes: new Set(
        elements.filter((e) => kindOf(e) === "resource").map((e) => typeOf(e)),
      ),
      functionsServedByUrl,
      functionNamesServedByUrl,
    };
    return this.stackView;
  }
}
