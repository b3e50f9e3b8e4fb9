/**
 * Finds the `hashicorp/aws` provider for the offline terraform plans (tests, `npm run bench`,
 * `.ci/run`) the way Terraform itself would, so that a machine that can run `terraform init`
 * needs no extra setting:
 *
 * 1. `TF_PLUGIN_DIR`, when set (an explicit choice: if it holds no usable provider, that is an
 *    error, not a reason to look elsewhere).
 * 2. Terraform's CLI configuration (`TF_CLI_CONFIG_FILE`, else `~/.terraformrc`, plus
 *    `~/.terraform.d/*.tfrc`): every `provider_installation { filesystem_mirror { path } }`
 *    that may serve hashicorp/aws, then the plugin cache (`TF_PLUGIN_CACHE_DIR` or
 *    `plugin_cache_dir`).
 * 3. Terraform's implied local mirror directories: `~/.terraform.d/plugins`,
 *    `$XDG_DATA_HOME/terraform/plugins` and `<each of $XDG_DATA_DIRS>/terraform/plugins`
 *    (by default `~/.local/share`, `/usr/local/share`, `/usr/share`).
 * 4. The project's own plugin cache (`.cache/terraform/plugins`), filled by step 6 earlier.
 * 5. A few common system prefixes, one level deep (`/opt/<any>/`, `/srv/<any>/`, ...): a bounded
 *    list of directories, never a walk of the filesystem.
 * 6. A normal `terraform init` from the registry into the plugin cache (the project's, or the
 *    user's `TF_PLUGIN_CACHE_DIR`), which then serves as the mirror.
 *
 * A directory serves when it holds `registry.terraform.io/hashicorp/aws/<version>/<os_arch>/
 * terraform-provider-aws_*` (unpacked layout) or `.../terraform-provider-aws_<version>_<os_arch>.zip`
 * (packed layout) for a version the stacks' constraint admits and this machine's os_arch.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AWS_PROVIDER_SOURCE, AWS_PROVIDER_VERSION } from "../../aws-provider";

/** The project root (this file lives in stacks/test/support). */
export const PROJECT_DIRECTORY = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Where the registry fallback caches the provider unless `TF_PLUGIN_CACHE_DIR` is set. */
export const PROJECT_PLUGIN_CACHE = join(PROJECT_DIRECTORY, ".cache", "terraform", "plugins");

/** Prefixes whose direct sub-directories may be a mirror root (`/opt/<mirror>/registry.terraform.io/...`). */
export const SYSTEM_PREFIXES: readonly string[] = ["/opt", "/srv", "/usr/local", "/var/lib"];

/** No provider could be found or installed: the message says what was missing and the fixes. */
export class ProviderNotFoundError extends Error {
  override readonly name = "ProviderNotFoundError";
}

/** `terraform` is not on the PATH. */
export class TerraformNotFoundError extends Error {
  override readonly name = "TerraformNotFoundError";
}

/** What the machine offers: every input of the search, so tests can fake all of it. */
export interface DiscoveryContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default os.homedir() */
  readonly homeDirectory?: string;
  /** Terraform's `<os>_<arch>`. @default this machine's */
  readonly platform?: string;
  /** The stacks' constraint. @default {@link AWS_PROVIDER_VERSION} */
  readonly versionConstraint?: string;
  /** @default {@link PROJECT_PLUGIN_CACHE} */
  readonly projectPluginCache?: string;
  /** @default {@link SYSTEM_PREFIXES} */
  readonly systemPrefixes?: readonly string[];
}

/** A directory to try, and why it was tried (printed by `--verbose`). */
export interface MirrorCandidate {
  readonly directory: string;
  readonly origin: string;
}

/** A usable provider. `pluginDirectory` is what `terraform init -plugin-dir=` takes. */
export interface FoundProvider {
  readonly pluginDirectory: string;
  readonly version: string;
  readonly platform: string;
  readonly origin: string;
}

/** Terraform's name for this machine's platform (`linux_amd64`, `darwin_arm64`, ...). */
export function terraformPlatform(
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  const os = platform === "win32" ? "windows" : platform;
  const cpu = ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" } as Record<string, string>)[
    arch
  ];
  return `${os}_${cpu ?? arch}`;
}

/**
 * Finds a usable provider without any network: steps 1 to 5 above. Returns undefined when no
 * candidate serves; throws {@link ProviderNotFoundError} when `TF_PLUGIN_DIR` is set but unusable.
 */
export function findLocalProvider(context: DiscoveryContext): FoundProvider | undefined {
  const constraint = context.versionConstraint ?? AWS_PROVIDER_VERSION;
  const platform = context.platform ?? terraformPlatform();
  const configured = context.env.TF_PLUGIN_DIR?.trim();
  if (configured) {
    // Accept the mirror root and, forgivingly, its registry.terraform.io child.
    const root = configured.replace(/[\\/]registry\.terraform\.io[\\/]?$/, "");
    const found = providerIn({ directory: root, origin: "TF_PLUGIN_DIR" }, constraint, platform);
    if (found) return found;
    const versions = versionsIn(root, platform);
    throw new ProviderNotFoundError(
      `TF_PLUGIN_DIR="${configured}" holds no ${AWS_PROVIDER_SOURCE} ${constraint} for ${platform}` +
        (versions.length > 0 ? ` (it holds ${versions.join(", ")})` : "") +
        `: set it to the root of a mirror holding ${AWS_PROVIDER_SOURCE}/<version>/${platform}/, or unset it`,
    );
  }
  for (const candidate of mirrorCandidates(context)) {
    const found = providerIn(candidate, constraint, platform);
    if (found) return found;
  }
  return undefined;
}

/** Steps 2 to 5 in order, duplicates removed. Only the prefixes are listed (one level deep). */
export function mirrorCandidates(context: DiscoveryContext): MirrorCandidate[] {
  const env = context.env;
  const home = context.homeDirectory ?? homedir();
  const candidates: MirrorCandidate[] = [];
  const cli = readCliConfiguration(env, home);
  candidates.push(...cli.mirrors);
  const pluginCache = env.TF_PLUGIN_CACHE_DIR?.trim();
  if (pluginCache) candidates.push({ directory: pluginCache, origin: "TF_PLUGIN_CACHE_DIR" });
  else if (cli.pluginCache) candidates.push(cli.pluginCache);

  candidates.push({ directory: join(home, ".terraform.d", "plugins"), origin: "implied mirror" });
  const dataHome = env.XDG_DATA_HOME?.trim() || join(home, ".local", "share");
  const dataDirectories = (env.XDG_DATA_DIRS?.trim() || "/usr/local/share:/usr/share")
    .split(":")
    .filter(Boolean);
  for (const directory of [dataHome, ...dataDirectories]) {
    candidates.push({
      directory: join(directory, "terraform", "plugins"),
      origin: "implied mirror",
    });
  }
  candidates.push({
    directory: context.projectPluginCache ?? PROJECT_PLUGIN_CACHE,
    origin: "project plugin cache",
  });
  for (const prefix of context.systemPrefixes ?? SYSTEM_PREFIXES) {
    for (const child of listDirectory(prefix)) {
      candidates.push({ directory: join(prefix, child), origin: `system prefix ${prefix}` });
    }
  }
  const seen = new Set<string>();
  return candidates.filter(({ directory }) => {
    const key = resolve(directory);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The highest admitted version the candidate holds for the platform, packed or unpacked. */
function providerIn(
  candidate: MirrorCandidate,
  constraint: string,
  platform: string,
): FoundProvider | undefined {
  const admitted = versionsIn(candidate.directory, platform)
    .filter((version) => satisfiesConstraint(version, constraint))
    .sort(compareVersions);
  const version = admitted.at(-1);
  if (!version) return undefined;
  return { pluginDirectory: candidate.directory, version, platform, origin: candidate.origin };
}

/** Every version the mirror root holds a provider binary or package for, for the platform. */
function versionsIn(root: string, platform: string): string[] {
  const providerDirectory = join(root, ...AWS_PROVIDER_SOURCE.split("/"));
  const versions = new Set<string>();
  for (const entry of listDirectory(providerDirectory)) {
    const packed = /^terraform-provider-aws_(.+)_([a-z0-9]+_[a-z0-9]+)\.zip$/.exec(entry);
    if (packed) {
      if (packed[2] === platform && packed[1]) versions.add(packed[1]);
      continue;
    }
    const binaries = listDirectory(join(providerDirectory, entry, platform));
    if (binaries.some((name) => name.startsWith("terraform-provider-aws"))) versions.add(entry);
  }
  return [...versions];
}

function listDirectory(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Terraform's CLI configuration

interface CliConfiguration {
  readonly mirrors: MirrorCandidate[];
  readonly pluginCache?: MirrorCandidate;
}

/**
 * The filesystem mirrors and plugin cache the CLI configuration names. Terraform reads
 * `TF_CLI_CONFIG_FILE` if set, else `~/.terraformrc`, and merges `~/.terraform.d/*.tfrc(.json)`.
 * A file that cannot be parsed is skipped, as if it named no mirror.
 */
function readCliConfiguration(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): CliConfiguration {
  const configDirectory = join(home, ".terraform.d");
  const files = [
    env.TF_CLI_CONFIG_FILE?.trim() || join(home, ".terraformrc"),
    ...listDirectory(configDirectory)
      .filter((name) => name.endsWith(".tfrc") || name.endsWith(".tfrc.json"))
      .sort()
      .map((name) => join(configDirectory, name)),
  ];
  const mirrors: MirrorCandidate[] = [];
  let pluginCache: MirrorCandidate | undefined;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    let body: HclBody;
    try {
      body = file.endsWith(".json") ? jsonToHcl(JSON.parse(text)) : parseHcl(text);
    } catch {
      continue;
    }
    const expand = (value: string) => expandEnvironment(value, env, home);
    for (const installation of blocksOf(body, "provider_installation")) {
      for (const mirror of blocksOf(installation.body, "filesystem_mirror")) {
        const path = stringAttribute(mirror.body, "path");
        if (path && mayServe(mirror.body)) {
          mirrors.push({ directory: expand(path), origin: `filesystem_mirror in ${file}` });
        }
      }
    }
    const cache = stringAttribute(body, "plugin_cache_dir");
    if (cache) pluginCache = { directory: expand(cache), origin: `plugin_cache_dir in ${file}` };
  }
  return { mirrors, pluginCache };
}

/** Whether an installation method's include/exclude patterns let it serve hashicorp/aws. */
function mayServe(body: HclBody): boolean {
  const matches = (pattern: string) => {
    const wanted = AWS_PROVIDER_SOURCE.split("/");
    const parts = pattern.split("/");
    // "hashicorp/aws" is short for "registry.terraform.io/hashicorp/aws".
    const full = parts.length === 2 ? ["registry.terraform.io", ...parts] : parts;
    return (
      full.length === 3 &&
      full.every((part, index) => part === "*" || part.toLowerCase() === wanted[index])
    );
  };
  const include = listAttribute(body, "include");
  const exclude = listAttribute(body, "exclude");
  if (include && !include.some(matches)) return false;
  return !exclude?.some(matches);
}

function expandEnvironment(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string {
  const expanded = value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? "";
      return name === "HOME" ? (env.HOME ?? home) : (env[name] ?? "");
    },
  );
  return expanded.startsWith("~/") ? join(home, expanded.slice(2)) : expanded;
}

type HclValue = string | number | boolean | null | HclValue[];
interface HclBlock {
  readonly type: string;
  readonly labels: string[];
  readonly body: HclBody;
}
interface HclBody {
  readonly attributes: Map<string, HclValue>;
  readonly blocks: HclBlock[];
}

function blocksOf(body: HclBody, type: string): HclBlock[] {
  return body.blocks.filter((block) => block.type === type);
}

function stringAttribute(body: HclBody, name: string): string | undefined {
  const value = body.attributes.get(name);
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function listAttribute(body: HclBody, name: string): string[] | undefined {
  const value = body.attributes.get(name);
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : undefined;
}

/** The JSON variant of the CLI configuration, in the shape the native-syntax parser returns. */
function jsonToHcl(value: unknown): HclBody {
  const body: HclBody = { attributes: new Map(), blocks: [] };
  if (typeof value !== "object" || value === null) return body;
  for (const [key, item] of Object.entries(value)) {
    const nested = Array.isArray(item) ? item : [item];
    if (
      nested.length > 0 &&
      nested.every((entry) => typeof entry === "object" && entry !== null && !Array.isArray(entry))
    ) {
      for (const entry of nested)
        body.blocks.push({ type: key, labels: [], body: jsonToHcl(entry) });
    } else {
      body.attributes.set(key, item as HclValue);
    }
  }
  return body;
}

/**
 * A parser for the subset of HCL native syntax a CLI configuration uses: attributes whose values
 * are strings, numbers, booleans or lists of them, and (labelled) blocks; `#`, `//` and
 * `/* *\/` comments. Anything else (objects, heredocs, expressions) throws.
 */
export function parseHcl(text: string): HclBody {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => {
    const token = tokens[position++];
    if (!token) throw new Error("unexpected end of the CLI configuration");
    return token;
  };
  const expect = (kind: string) => {
    const token = next();
    if (token.kind !== kind) throw new Error(`expected ${kind}, found ${token.text}`);
    return token;
  };
  const skipNewlines = () => {
    while (peek()?.kind === "newline") position += 1;
  };
  const parseValue = (): HclValue => {
    skipNewlines();
    const token = next();
    if (token.kind === "string") return token.text;
    if (token.kind === "number") return Number(token.text);
    if (token.kind === "identifier") {
      if (token.text === "true" || token.text === "false") return token.text === "true";
      if (token.text === "null") return null;
    }
    if (token.kind === "[") {
      const items: HclValue[] = [];
      for (;;) {
        skipNewlines();
        if (peek()?.kind === "]") {
          position += 1;
          return items;
        }
        items.push(parseValue());
        skipNewlines();
        if (peek()?.kind === ",") position += 1;
      }
    }
    throw new Error(`unsupported value ${token.text}`);
  };
  const parseBody = (closing: string | undefined): HclBody => {
    const body: HclBody = { attributes: new Map(), blocks: [] };
    for (;;) {
      skipNewlines();
      const token = peek();
      if (!token) {
        if (closing) throw new Error(`missing ${closing}`);
        return body;
      }
      if (token.kind === closing) {
        position += 1;
        return body;
      }
      const name = expect("identifier").text;
      if (peek()?.kind === "=") {
        position += 1;
        body.attributes.set(name, parseValue());
        continue;
      }
      const labels: string[] = [];
      while (peek()?.kind === "string" || peek()?.kind === "identifier") labels.push(next().text);
      expect("{");
      body.blocks.push({ type: name, labels, body: parseBody("}") });
    }
  };
  return parseBody(undefined);
}

interface Token {
  readonly kind: "identifier" | "string" | "number" | "newline" | "=" | "{" | "}" | "[" | "]" | ",";
  readonly text: string;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] ?? "";
    if (char === "\n") {
      tokens.push({ kind: "newline", text: "\\n" });
      index += 1;
    } else if (/\s/.test(char)) {
      index += 1;
    } else if (char === "#" || text.startsWith("//", index)) {
      while (index < text.length && text[index] !== "\n") index += 1;
    } else if (text.startsWith("/*", index)) {
      const end = text.indexOf("*/", index + 2);
      if (end < 0) throw new Error("unterminated comment");
      index = end + 2;
    } else if ("={}[],".includes(char)) {
      tokens.push({ kind: char as Token["kind"], text: char });
      index += 1;
    } else if (char === '"') {
      let value = "";
      index += 1;
      for (;;) {
        const current = text[index];
        if (current === undefined || current === "\n") throw new Error("unterminated string");
        index += 1;
        if (current === '"') break;
        if (current === "\\") {
          const escaped = text[index] ?? "";
          index += 1;
          value += ({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[escaped] ?? escaped;
        } else {
          value += current;
        }
      }
      tokens.push({ kind: "string", text: value });
    } else {
      const match = /^[A-Za-z0-9_.-]+/.exec(text.slice(index));
      if (!match) throw new Error(`unexpected character ${char}`);
      const word = match[0];
      tokens.push({ kind: /^-?[0-9]/.test(word) ? "number" : "identifier", text: word });
      index += word.length;
    }
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Version constraints (Terraform's syntax: "~> 5.99", ">= 5.0, < 6.0", "5.100.0", "!= 5.1.0")

/** Whether a version (`5.100.0`) satisfies a Terraform version constraint. */
export function satisfiesConstraint(version: string, constraint: string): boolean {
  const parsed = parseVersion(version);
  if (!parsed) return false;
  return constraint
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .every((part) => {
      const match = /^(~>|>=|<=|!=|=|>|<)?\s*(.+)$/.exec(part);
      const operator = match?.[1] ?? "=";
      const bound = parseVersion(match?.[2] ?? "");
      if (!bound) throw new Error(`cannot read the version constraint "${part}"`);
      // A pre-release only matches a constraint that names it exactly.
      if (parsed.prerelease && operator !== "=") return false;
      const order = compareParsed(parsed, bound);
      switch (operator) {
        case "=":
          return order === 0 && parsed.prerelease === bound.prerelease;
        case "!=":
          return order !== 0;
        case ">":
          return order > 0;
        case ">=":
          return order >= 0;
        case "<":
          return order < 0;
        case "<=":
          return order <= 0;
        default: {
          // "~> 5.99" admits 5.99 up to (excluding) 6.0; "~> 5.99.1" admits 5.99.x from .1.
          if (order < 0) return false;
          const fixed = Math.max(1, bound.given - 1);
          return bound.parts.slice(0, fixed).every((part, index) => parsed.parts[index] === part);
        }
      }
    });
}

interface ParsedVersion {
  readonly parts: [number, number, number];
  readonly given: number;
  readonly prerelease: string;
}

function parseVersion(text: string): ParsedVersion | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/.exec(text.trim());
  if (!match) return undefined;
  const given = match[3] !== undefined ? 3 : match[2] !== undefined ? 2 : 1;
  return {
    parts: [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)],
    given,
    prerelease: match[4] ?? "",
  };
}

function compareParsed(a: ParsedVersion, b: ParsedVersion): number {
  for (let index = 0; index < 3; index += 1) {
    const difference = (a.parts[index] ?? 0) - (b.parts[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  return left && right ? compareParsed(left, right) : a.localeCompare(b);
}

// ---------------------------------------------------------------------------------------------
// The terraform binary, the registry fallback, and the whole resolution

/** The `terraform` executable on the PATH, or undefined. */
export function findTerraform(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const names = process.platform === "win32" ? ["terraform.exe", "terraform"] : ["terraform"];
  for (const directory of (env.PATH ?? "").split(delimiter)) {
    if (!directory) continue;
    for (const name of names) {
      const candidate = join(directory, name);
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

/**
 * Step 6: `terraform init` of an empty configuration that requires the provider, with the plugin
 * cache pointed at `cacheDirectory`: Terraform downloads (and verifies) the provider from the
 * registry, or from whatever the user's CLI configuration says, into the cache. Returns the
 * provider found there afterwards, or throws with terraform's own reason.
 */
export function installProviderIntoCache(
  terraformBinary: string,
  cacheDirectory: string,
  context: DiscoveryContext,
): FoundProvider {
  const constraint = context.versionConstraint ?? AWS_PROVIDER_VERSION;
  const platform = context.platform ?? terraformPlatform();
  mkdirSync(cacheDirectory, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "provider-install-"));
  try {
    const [namespace, type] = AWS_PROVIDER_SOURCE.split("/").slice(1);
    writeFileSync(
      join(work, "main.tf.json"),
      JSON.stringify({
        terraform: {
          required_providers: {
            [type ?? "aws"]: { source: `${namespace}/${type}`, version: constraint },
          },
        },
      }),
    );
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(context.env)) {
      if (value !== undefined && !name.startsWith("AWS_")) env[name] = value;
    }
    env.TF_PLUGIN_CACHE_DIR = cacheDirectory;
    env.CHECKPOINT_DISABLE = "1";
    env.TF_IN_AUTOMATION = "1";
    env.TF_INPUT = "0";
    if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE))
      delete env.TF_CLI_CONFIG_FILE;
    const result = spawnSync(
      terraformBinary,
      ["init", "-input=false", "-no-color", "-backend=false"],
      {
        cwd: work,
        env,
        encoding: "utf8",
        timeout: 10 * 60_000,
      },
    );
    if (result.status !== 0) {
      const reason =
        result.error?.message ??
        `${result.stderr}`
          .split("\n")
          .map((line) => line.replace(/^[│╷╵]\s?/, "").trim())
          .filter((line) => line.length > 0 && !/^Error:?$/.test(line))
          .slice(0, 3)
          .join(" ");
      throw new ProviderNotFoundError(
        `terraform init could not install it: ${reason || `exit ${result.status}`}`,
      );
    }
    const found = providerIn(
      { directory: cacheDirectory, origin: "registry, cached" },
      constraint,
      platform,
    );
    if (!found) {
      throw new ProviderNotFoundError(
        `terraform init succeeded but left no ${AWS_PROVIDER_SOURCE} ${constraint} for ${platform} in ${cacheDirectory}`,
      );
    }
    return found;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface OfflineToolchain {
  readonly terraformBinary: string;
  /** The directory that contains `registry.terraform.io/hashicorp/aws/...`. */
  readonly pluginDirectory: string;
  readonly provider: FoundProvider;
}

/** The one line printed when nothing works: what is missing and the three ways to fix it. */
export function providerNotFoundMessage(platform: string, reason: string): string {
  return (
    `no ${AWS_PROVIDER_SOURCE} provider ${AWS_PROVIDER_VERSION} for ${platform} for the offline terraform plans (${reason}); ` +
    "fix one of: set TF_PLUGIN_DIR to a provider mirror, " +
    "put a mirror where Terraform looks (~/.terraform.d/plugins, or a filesystem_mirror in ~/.terraformrc), " +
    "or let `terraform init` reach registry.terraform.io (it caches into .cache/terraform/plugins)"
  );
}

/**
 * terraform and the provider, steps 1 to 6. Throws {@link TerraformNotFoundError} or
 * {@link ProviderNotFoundError} with a one-line message naming the fixes.
 */
export function resolveToolchain(context: DiscoveryContext): OfflineToolchain {
  const terraformBinary = findTerraform(context.env);
  if (!terraformBinary) {
    throw new TerraformNotFoundError(
      "terraform was not found on the PATH: install Terraform >= 1.11 to run the offline terraform plans",
    );
  }
  const platform = context.platform ?? terraformPlatform();
  const local = findLocalProvider(context);
  if (local) return { terraformBinary, pluginDirectory: local.pluginDirectory, provider: local };
  const cacheDirectory =
    context.env.TF_PLUGIN_CACHE_DIR?.trim() || (context.projectPluginCache ?? PROJECT_PLUGIN_CACHE);
  try {
    const installed = withDirectoryLock(
      `${cacheDirectory}.lock`,
      () =>
        findLocalProvider(context) ??
        installProviderIntoCache(terraformBinary, cacheDirectory, context),
    );
    return { terraformBinary, pluginDirectory: installed.pluginDirectory, provider: installed };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProviderNotFoundError(providerNotFoundMessage(platform, reason));
  }
}

/** Runs `action` while holding a lock directory, so two processes never fill one cache at once. */
function withDirectoryLock<T>(lockDirectory: string, action: () => T): T {
  mkdirSync(dirname(lockDirectory), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDirectory);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDirectory}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return action();
  } finally {
    rmSync(lockDirectory, { recursive: true, force: true });
  }
}
