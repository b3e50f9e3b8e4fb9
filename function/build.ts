/**
 * `npm run build`: bundles every entry point into function/dist/<name>.mjs (ESM for Node 20+,
 * minified, with a source map) and writes function/dist/meta.json (esbuild's metafile) for size
 * reporting and for the Dockerfile test. Prints each bundle's size.
 */
import { rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build } from "esbuild";

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * One bundle per entry: the key is the output name, function/dist/<key>.mjs. The Lambda image
 * copies every bundle and picks one with its `CMD` (`index.handler`, ...); the `server` image
 * runs server.mjs.
 */
export const entryPoints: Readonly<Record<string, string>> = {
  index: "function/src/index.ts",
  server: "function/src/main/local-server.ts",
  // CodeDeploy lifecycle hooks: image_config.command ["hooks.preTraffic"] / ["hooks.postTraffic"].
  hooks: "function/delivery/hooks/index.ts",
  // DORA recorder: image_config.command ["recorder.handler"].
  recorder: "function/delivery/recorder/handler.ts",
};

export const outputDirectory = "function/dist";
export const metafilePath = join(outputDirectory, "meta.json");

/**
 * The esbuild settings every bundle shares (the benchmark reuses them to bundle variants).
 * ESM for Node 20 (the Lambda image runs 22; the bundle targets the oldest runtime it supports).
 */
export const bundleOptions = {
  outExtension: { ".js": ".mjs" },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  // Class names survive minification, so logged errors read `ValidationError`, not `e`.
  keepNames: true,
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
  // ESM output has no `require`; a bundled CommonJS dependency asking for a Node built-in needs one.
  banner: {
    js: 'import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);',
  },
} as const satisfies BuildOptions;

/** The largest index.mjs the project accepts (issue 2): a small bundle keeps cold starts short. */
const INDEX_BUDGET_BYTES = 100 * 1024;

async function main(): Promise<void> {
  const outdir = join(repositoryRoot, outputDirectory);
  // Start clean so function/dist holds exactly what this build produced (the Dockerfile copies globs).
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    ...bundleOptions,
    absWorkingDir: repositoryRoot,
    entryPoints: { ...entryPoints },
    outdir,
    metafile: true,
  });
  await writeFile(join(repositoryRoot, metafilePath), JSON.stringify(result.metafile));
  let failed = false;
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith(".mjs")) continue;
    const kib = (output.bytes / 1024).toFixed(1);
    const overBudget = file.endsWith("/index.mjs") && output.bytes > INDEX_BUDGET_BYTES;
    failed ||= overBudget;
    console.log(
      `${relative(outputDirectory, file).padEnd(14)} ${kib.padStart(7)} KiB${overBudget ? "  over the 100 KiB budget" : ""}`,
    );
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
