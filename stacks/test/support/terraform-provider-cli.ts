/**
 * Prints the directory that holds the hashicorp/aws provider for the offline plans (what
 * `terraform init -plugin-dir=` takes), found as {@link resolveToolchain} describes; `.ci/run`
 * exports it as TF_PLUGIN_DIR. `--verbose` also says where it came from and what was tried.
 * Exits 1 with one line on stderr when nothing works.
 *
 * @example npx tsx stacks/test/support/terraform-provider-cli.ts --verbose
 */
import {
  mirrorCandidates,
  ProviderNotFoundError,
  resolveToolchain,
  TerraformNotFoundError,
} from "./terraform-provider";

const verbose = process.argv.includes("--verbose");
if (verbose && !process.env.TF_PLUGIN_DIR) {
  const places = new Set(
    mirrorCandidates({ env: process.env }).map(({ directory, origin }) =>
      origin.startsWith("system prefix")
        ? `${origin.slice("system prefix ".length)}/*/ (system prefix)`
        : `${directory} (${origin})`,
    ),
  );
  for (const place of places) console.error(`looks in ${place}`);
}
try {
  const toolchain = resolveToolchain({ env: process.env });
  if (verbose) {
    const { provider } = toolchain;
    console.error(
      `hashicorp/aws ${provider.version} (${provider.platform}) from ${provider.origin}; terraform at ${toolchain.terraformBinary}`,
    );
  }
  console.log(toolchain.pluginDirectory);
} catch (error) {
  if (error instanceof ProviderNotFoundError || error instanceof TerraformNotFoundError) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
