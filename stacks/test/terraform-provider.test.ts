import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DiscoveryContext,
  findLocalProvider,
  ProviderNotFoundError,
  parseHcl,
  resolveToolchain,
  satisfiesConstraint,
  TerraformNotFoundError,
  terraformPlatform,
} from "./support/terraform-provider";

const PLATFORM = "linux_amd64";

let root: string;
let counter = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "provider-discovery-"));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fresh fake machine: an empty home, no prefixes, no project cache, no XDG data dirs. */
function fakeMachine(): {
  base: string;
  context: (env?: Record<string, string>) => DiscoveryContext;
} {
  const base = join(root, `machine-${counter++}`);
  mkdirSync(join(base, "home"), { recursive: true });
  mkdirSync(join(base, "bin"), { recursive: true });
  return {
    base,
    context: (env = {}) => ({
      env: { PATH: join(base, "bin"), XDG_DATA_DIRS: join(base, "xdg-data"), ...env },
      homeDirectory: join(base, "home"),
      platform: PLATFORM,
      versionConstraint: "~> 5.99",
      projectPluginCache: join(base, "project", ".cache", "terraform", "plugins"),
      systemPrefixes: [join(base, "opt"), join(base, "srv")],
    }),
  };
}

/** Puts an unpacked provider binary at `<mirror>/registry.terraform.io/hashicorp/aws/<version>/<platform>/`. */
function placeProvider(mirror: string, version: string, platform = PLATFORM): void {
  const directory = join(mirror, "registry.terraform.io", "hashicorp", "aws", version, platform);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, `terraform-provider-aws_v${version}_x5`), "");
}

/** A `terraform` script on the fake PATH; `init` runs `initScript` (sh) and logs its arguments. */
function placeTerraform(base: string, initScript: string): string {
  const log = join(base, "terraform-calls.log");
  const script = join(base, "bin", "terraform");
  writeFileSync(
    script,
    `#!/bin/sh\nPATH="/usr/bin:/bin:$PATH"\necho "$@" >> "${log}"\nif [ "$1" = init ]; then\n${initScript}\nfi\n`,
  );
  chmodSync(script, 0o755);
  return log;
}

describe("finding the hashicorp/aws provider on the machine", () => {
  it("uses TF_PLUGIN_DIR when it is set, over every other place", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "explicit"), "5.100.0");
    placeProvider(join(base, "home", ".terraform.d", "plugins"), "5.101.0");

    const found = findLocalProvider(context({ TF_PLUGIN_DIR: join(base, "explicit") }));

    expect(found).toMatchObject({
      pluginDirectory: join(base, "explicit"),
      version: "5.100.0",
      origin: "TF_PLUGIN_DIR",
    });
  });

  it("accepts TF_PLUGIN_DIR pointing at the mirror's registry.terraform.io directory", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "explicit"), "5.100.0");

    const found = findLocalProvider(
      context({ TF_PLUGIN_DIR: join(base, "explicit", "registry.terraform.io") }),
    );

    expect(found?.pluginDirectory).toBe(join(base, "explicit"));
  });

  it("refuses a TF_PLUGIN_DIR without an admitted version, naming what it holds", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "explicit"), "4.67.0");

    expect(() => findLocalProvider(context({ TF_PLUGIN_DIR: join(base, "explicit") }))).toThrow(
      ProviderNotFoundError,
    );
    expect(() => findLocalProvider(context({ TF_PLUGIN_DIR: join(base, "explicit") }))).toThrow(
      /holds no registry.terraform.io\/hashicorp\/aws ~> 5.99 for linux_amd64 \(it holds 4.67.0\)/,
    );
  });

  it("reads a filesystem_mirror from the CLI configuration named by TF_CLI_CONFIG_FILE", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "company-mirror"), "5.100.0");
    const config = join(base, "custom.tfrc");
    writeFileSync(
      config,
      [
        "# the company mirror",
        "provider_installation {",
        "  filesystem_mirror {",
        `    path    = "${join(base, "company-mirror")}" // unpacked layout`,
        '    include = ["registry.terraform.io/hashicorp/*"]',
        "  }",
        "  /* everything else */",
        '  direct { exclude = ["registry.terraform.io/hashicorp/*"] }',
        "}",
      ].join("\n"),
    );

    const found = findLocalProvider(context({ TF_CLI_CONFIG_FILE: config }));

    expect(found).toMatchObject({
      pluginDirectory: join(base, "company-mirror"),
      origin: `filesystem_mirror in ${config}`,
    });
  });

  it("skips a filesystem_mirror whose include patterns do not cover hashicorp/aws", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "other-mirror"), "5.100.0");
    writeFileSync(
      join(base, "home", ".terraformrc"),
      `provider_installation {\n  filesystem_mirror {\n    path = "${join(base, "other-mirror")}"\n    include = ["example.com/*/*"]\n  }\n}\n`,
    );

    expect(findLocalProvider(context())).toBeUndefined();
  });

  it("reads plugin_cache_dir from ~/.terraformrc, expanding $HOME", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "home", "plugin-cache"), "5.100.0");
    writeFileSync(join(base, "home", ".terraformrc"), 'plugin_cache_dir = "$HOME/plugin-cache"\n');

    const found = findLocalProvider(context({ HOME: join(base, "home") }));

    expect(found?.pluginDirectory).toBe(join(base, "home", "plugin-cache"));
  });

  it("uses the plugin cache named by TF_PLUGIN_CACHE_DIR", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "cache"), "5.100.0");

    const found = findLocalProvider(context({ TF_PLUGIN_CACHE_DIR: join(base, "cache") }));

    expect(found).toMatchObject({
      pluginDirectory: join(base, "cache"),
      origin: "TF_PLUGIN_CACHE_DIR",
    });
  });

  it("looks in Terraform's implied mirror ~/.terraform.d/plugins", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "home", ".terraform.d", "plugins"), "5.100.0");

    expect(findLocalProvider(context())).toMatchObject({
      pluginDirectory: join(base, "home", ".terraform.d", "plugins"),
      origin: "implied mirror",
    });
  });

  it("looks in $XDG_DATA_HOME/terraform/plugins and each $XDG_DATA_DIRS entry", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "xdg-data", "terraform", "plugins"), "5.100.0");

    expect(findLocalProvider(context())?.pluginDirectory).toBe(
      join(base, "xdg-data", "terraform", "plugins"),
    );

    placeProvider(join(base, "data-home", "terraform", "plugins"), "5.100.0");
    expect(
      findLocalProvider(context({ XDG_DATA_HOME: join(base, "data-home") }))?.pluginDirectory,
    ).toBe(join(base, "data-home", "terraform", "plugins"));
  });

  it("defaults $XDG_DATA_HOME to ~/.local/share", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "home", ".local", "share", "terraform", "plugins"), "5.100.0");

    expect(findLocalProvider(context())?.pluginDirectory).toBe(
      join(base, "home", ".local", "share", "terraform", "plugins"),
    );
  });

  it("finds a mirror root one level below a system prefix (/opt/<name>/registry.terraform.io/...)", () => {
    const { base, context } = fakeMachine();
    mkdirSync(join(base, "opt", "unrelated"), { recursive: true });
    placeProvider(join(base, "srv", "tf-plugins"), "5.100.0");

    expect(findLocalProvider(context())).toMatchObject({
      pluginDirectory: join(base, "srv", "tf-plugins"),
      origin: `system prefix ${join(base, "srv")}`,
    });
  });

  it("does not look deeper than one level below a prefix", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "opt", "deeper", "tf-plugins"), "5.100.0");

    expect(findLocalProvider(context())).toBeUndefined();
  });

  it("ignores versions outside the constraint and other platforms, and picks the highest admitted", () => {
    const { base, context } = fakeMachine();
    const mirror = join(base, "home", ".terraform.d", "plugins");
    placeProvider(mirror, "4.67.0");
    placeProvider(mirror, "6.0.0");
    placeProvider(mirror, "5.98.0");
    placeProvider(mirror, "5.120.0", "darwin_arm64");
    placeProvider(mirror, "5.99.1");
    placeProvider(mirror, "5.100.0");

    expect(findLocalProvider(context())?.version).toBe("5.100.0");
  });

  it("ignores a mirror holding only a wrong version or platform, and moves on to the next place", () => {
    const { base, context } = fakeMachine();
    placeProvider(join(base, "home", ".terraform.d", "plugins"), "6.2.0");
    placeProvider(join(base, "opt", "arm-mirror"), "5.100.0", "linux_arm64");
    placeProvider(join(base, "opt", "good-mirror"), "5.100.0");

    expect(findLocalProvider(context())?.pluginDirectory).toBe(join(base, "opt", "good-mirror"));
  });

  it("recognises the packed layout (terraform-provider-aws_<version>_<os_arch>.zip)", () => {
    const { base, context } = fakeMachine();
    const directory = join(
      base,
      "home",
      ".terraform.d",
      "plugins",
      "registry.terraform.io",
      "hashicorp",
      "aws",
    );
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, "terraform-provider-aws_5.100.0_linux_amd64.zip"), "");
    writeFileSync(join(directory, "terraform-provider-aws_5.101.0_windows_amd64.zip"), "");

    expect(findLocalProvider(context())?.version).toBe("5.100.0");
  });
});

describe("falling back to the registry", () => {
  it("runs terraform init with the plugin cache in the project's cache folder, then uses the cache", () => {
    const { base, context } = fakeMachine();
    const log = placeTerraform(
      base,
      [
        'dir="$TF_PLUGIN_CACHE_DIR/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64"',
        'mkdir -p "$dir" && touch "$dir/terraform-provider-aws_v5.100.0_x5"',
      ].join("\n"),
    );

    const toolchain = resolveToolchain(context());

    const cache = join(base, "project", ".cache", "terraform", "plugins");
    expect(toolchain).toMatchObject({
      terraformBinary: join(base, "bin", "terraform"),
      pluginDirectory: cache,
      provider: { version: "5.100.0", origin: "registry, cached" },
    });
    expect(readFileSync(log, "utf8")).toBe("init -input=false -no-color -backend=false\n");
    // The next run finds the cache without asking the registry again.
    expect(resolveToolchain(context()).provider.origin).toBe("project plugin cache");
    expect(readFileSync(log, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
    expect(existsSync(`${cache}.lock`)).toBe(false);
  });

  it("downloads into the user's TF_PLUGIN_CACHE_DIR when it is set", () => {
    const { base, context } = fakeMachine();
    placeTerraform(
      base,
      'mkdir -p "$TF_PLUGIN_CACHE_DIR/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64" && touch "$TF_PLUGIN_CACHE_DIR/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws"',
    );

    const toolchain = resolveToolchain(context({ TF_PLUGIN_CACHE_DIR: join(base, "user-cache") }));

    expect(toolchain.pluginDirectory).toBe(join(base, "user-cache"));
  });

  it("says in one line what failed and the three ways to fix it when nothing works", () => {
    const { base, context } = fakeMachine();
    placeTerraform(
      base,
      'echo "Error: Failed to query available provider packages" >&2\necho "could not connect to registry.terraform.io" >&2\nexit 1',
    );

    let message = "";
    try {
      resolveToolchain(context());
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderNotFoundError);
      message = (error as Error).message;
    }

    expect(message).not.toContain("\n");
    expect(message).toContain("could not connect to registry.terraform.io");
    expect(message).toMatch(/set TF_PLUGIN_DIR/);
    expect(message).toMatch(
      /~\/\.terraform\.d\/plugins, or a filesystem_mirror in ~\/\.terraformrc/,
    );
    expect(message).toMatch(/let `terraform init` reach registry\.terraform\.io/);
  });

  it("names terraform itself when it is not on the PATH", () => {
    const { context } = fakeMachine();

    expect(() => resolveToolchain(context())).toThrow(TerraformNotFoundError);
    expect(() => resolveToolchain(context())).toThrow(/install Terraform >= 1\.11/);
  });
});

describe("Terraform version constraints", () => {
  it.each([
    ["5.99.0", "~> 5.99", true],
    ["5.100.0", "~> 5.99", true],
    ["6.0.0", "~> 5.99", false],
    ["5.98.9", "~> 5.99", false],
    ["5.99.3", "~> 5.99.1", true],
    ["5.100.0", "~> 5.99.1", false],
    ["5.100.0", ">= 5.0, < 6.0", true],
    ["5.100.0", "!= 5.100.0", false],
    ["5.100.0", "5.100.0", true],
    ["5.100.0-beta1", "~> 5.99", false],
  ])("%s against %s: %s", (version, constraint, expected) => {
    expect(satisfiesConstraint(version, constraint)).toBe(expected);
  });
});

describe("the CLI configuration parser", () => {
  it("reads attributes, lists and nested blocks, skipping comments", () => {
    const body = parseHcl(
      'plugin_cache_dir = "/cache" # comment\nprovider_installation {\n  filesystem_mirror {\n    path = "/m"\n    include = [\n      "a/b",\n    ]\n  }\n}\n',
    );

    expect(body.attributes.get("plugin_cache_dir")).toBe("/cache");
    const mirror = body.blocks[0]?.body.blocks[0];
    expect(mirror?.type).toBe("filesystem_mirror");
    expect(mirror?.body.attributes.get("include")).toEqual(["a/b"]);
  });

  it("refuses what it cannot read", () => {
    expect(() => parseHcl("provider_installation {")).toThrow(/missing \}/);
  });
});

describe("the machine's platform", () => {
  it("is named the way Terraform names it", () => {
    expect(terraformPlatform("linux", "x64")).toBe("linux_amd64");
    expect(terraformPlatform("darwin", "arm64")).toBe("darwin_arm64");
    expect(terraformPlatform("win32", "x64")).toBe("windows_amd64");
  });
});
