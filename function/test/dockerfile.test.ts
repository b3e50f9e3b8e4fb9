import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { lambdaContext, makeFunctionUrlEvent, repositoryRoot } from "./support/events.js";

interface Instruction {
  readonly keyword: string;
  readonly argument: string;
}

interface Stage {
  readonly name: string;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

/** A small Dockerfile reader: joins continuation lines, drops comments, splits into stages. */
function readStages(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
  const stages: { name: string; from: string; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const argument = rest.join(" ");
    if (keyword.toUpperCase() === "FROM") {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(argument);
      if (match === null) throw new Error(`unreadable FROM: ${line}`);
      stages.push({
        from: match[1] ?? "",
        name: match[2] ?? String(stages.length),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), argument });
    }
  }
  return stages;
}

function only(stage: Stage, keyword: string): string {
  const found = stage.instructions.filter((instruction) => instruction.keyword === keyword);
  expect(found, `${stage.name} has exactly one ${keyword}`).toHaveLength(1);
  return found[0]?.argument ?? "";
}

/** `COPY --from=builder a b dest`: the sources, as paths under the builder's /app (the repository). */
function copiedFromBuilder(stage: Stage): string[] {
  return stage.instructions
    .filter(({ keyword, argument }) => keyword === "COPY" && argument.includes("--from=builder"))
    .flatMap(({ argument }) => {
      const parts = argument.split(/\s+/).filter((part) => !part.startsWith("--"));
      return parts.slice(0, -1);
    });
}

/** Expands `/app/function/dist/*.mjs`-style sources against the local build output. */
function expand(source: string): string[] {
  expect(
    source.startsWith("/app/function/dist/"),
    `${source} comes from the builder's function/dist`,
  ).toBe(true);
  const name = source.slice("/app/function/dist/".length);
  const pattern = new RegExp(`^${name.replace(/\./g, "\\.").replace(/\*/g, "[^/]*")}$`);
  return readdirSync(join(repositoryRoot, "function/dist")).filter((file) => pattern.test(file));
}

/** The context paths a stage copies (`COPY a b dest`, not `--from=`), in order. */
function copiedFromContext(stage: Stage): string[] {
  return stage.instructions
    .filter(({ keyword, argument }) => keyword === "COPY" && !argument.includes("--from="))
    .flatMap(({ argument }) =>
      argument
        .split(/\s+/)
        .filter((part) => !part.startsWith("--"))
        .slice(0, -1),
    );
}

interface LockedPackage {
  readonly link?: boolean;
  readonly resolved?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

/**
 * The package folders `npm ci -w <workspace> --include-workspace-root=false` installs, read from
 * the lockfile the way npm resolves a name: the nearest `node_modules/<name>` from the requiring
 * package's folder upwards.
 */
function installedFor(workspace: string): Set<string> {
  const lock = JSON.parse(readFileSync(join(repositoryRoot, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockedPackage>;
  };
  const installed = new Set<string>();
  const pending = [workspace];
  while (pending.length > 0) {
    const location = pending.pop() as string;
    const entry = lock.packages[location];
    if (entry === undefined || installed.has(location)) continue;
    installed.add(location);
    if (entry.link === true && entry.resolved !== undefined) {
      pending.push(entry.resolved);
      continue;
    }
    const names = Object.keys({
      ...entry.dependencies,
      ...entry.optionalDependencies,
      // The workspace's own devDependencies are installed too (esbuild builds the bundle).
      ...(location === workspace ? entry.devDependencies : {}),
    });
    for (const name of names) {
      let folder = location;
      for (;;) {
        const candidate = `${folder === "" ? "" : `${folder}/`}node_modules/${name}`;
        if (lock.packages[candidate] !== undefined) {
          pending.push(candidate);
          break;
        }
        if (folder === "") break;
        const parent = folder.lastIndexOf("/node_modules/");
        folder = parent === -1 ? "" : folder.slice(0, parent);
      }
    }
  }
  return installed;
}

const dockerfile = readFileSync(join(repositoryRoot, "Dockerfile"), "utf8");
const stages = readStages(dockerfile);
const lambda = stages.at(-1) as Stage;
const server = stages.find((stage) => stage.name === "server") as Stage;
const builder = stages.find((stage) => stage.name === "builder") as Stage;
let buildOutputs: string[] = [];
let buildInputs: string[] = [];

beforeAll(() => {
  // The bundle reads LOG_LEVEL when it is imported; keep its request line out of the test output.
  vi.stubEnv("LOG_LEVEL", "SILENT");
  const metafile = join(repositoryRoot, "function/dist/meta.json");
  if (!existsSync(metafile))
    throw new Error(`${metafile} is missing: run \`npm run build\` first (npm test does)`);
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
  };
  buildInputs = Object.keys(meta.inputs);
  buildOutputs = Object.keys(meta.outputs)
    .map((path) => path.replace(/^function\/dist\//, ""))
    .sort();
});

afterAll(() => {
  vi.unstubAllEnvs();
});

describe("the Dockerfile's default target (the last stage)", () => {
  it("is the Lambda image on a supported Node.js major", () => {
    expect(lambda.name).toBe("lambda");
    expect(lambda.from).toMatch(/^public\.ecr\.aws\/lambda\/nodejs:(22|24)$/);
  });

  it("names a handler in CMD that the built bundle exports as a working function", async () => {
    const command = JSON.parse(only(lambda, "CMD")) as string[];
    expect(command).toHaveLength(1);
    const [moduleName, exportName] = (command[0] ?? "").split(".");
    const bundle = join(repositoryRoot, "function/dist", `${moduleName}.mjs`);
    expect(existsSync(bundle), `${bundle} exists`).toBe(true);
    const module = (await import(pathToFileURL(bundle).href)) as Record<string, unknown>;
    const handler = module[exportName ?? ""];
    expect(typeof handler).toBe("function");
    const result = await (
      handler as (event: unknown, context: unknown) => Promise<{ statusCode: number }>
    )(makeFunctionUrlEvent({ path: "/health" }), lambdaContext);
    expect(result.statusCode).toBe(200);
  });

  it("copies exactly the files the build produces, and only from the builder", () => {
    const copied = copiedFromBuilder(lambda).flatMap(expand).sort();
    expect(copied).toEqual(buildOutputs);
    const fromContext = lambda.instructions.filter(
      ({ keyword, argument }) =>
        (keyword === "COPY" || keyword === "ADD") && !argument.includes("--from="),
    );
    expect(fromContext).toEqual([]);
    expect(lambda.instructions.find(({ keyword }) => keyword === "COPY")?.argument).toMatch(
      /\$\{LAMBDA_TASK_ROOT\}\/$/,
    );
  });
});

describe("the Dockerfile's server target", () => {
  it("runs the server bundle it copies, and nothing else", () => {
    const command = JSON.parse(only(server, "CMD")) as string[];
    const script = command.find((part) => part.endsWith(".mjs")) ?? "";
    const copied = copiedFromBuilder(server).flatMap(expand).sort();
    expect(copied).toEqual([script, `${script}.map`].sort());
    for (const file of copied) expect(buildOutputs).toContain(file);
  });

  it("is a plain Node.js image that runs as a non-root user on $PORT with a /health check", () => {
    expect(server.from).toMatch(/^node:22-/);
    expect(only(server, "USER")).not.toMatch(/^(root|0)$/);
    const port = /PORT=(\d+)/.exec(only(server, "ENV"))?.[1];
    expect(port).toBeDefined();
    expect(only(server, "EXPOSE")).toBe(port);
    expect(only(server, "ENV")).toContain("HOST=0.0.0.0");
    expect(only(server, "HEALTHCHECK")).toMatch(/CMD \["node", "-e", ".*\/health/);
  });
});

describe("the Dockerfile's builder", () => {
  it("builds on the build platform from the lockfile", () => {
    expect(dockerfile).toMatch(/FROM --platform=\$BUILDPLATFORM node:22-\S+ AS builder/);
    const runs = builder.instructions
      .filter(({ keyword }) => keyword === "RUN")
      .map(({ argument }) => argument);
    expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    expect(runs.at(-1)).toBe("npm run build");
  });

  it("installs only the function workspace, from the one lockfile and every workspace manifest", () => {
    const runs = builder.instructions.filter(({ keyword }) => keyword === "RUN");
    const install = runs.findIndex(({ argument }) => /\bnpm ci\b/.test(argument));
    expect(runs[install]?.argument).toMatch(/-w function\b/);
    expect(runs[install]?.argument).toContain("--include-workspace-root=false");
    // npm ci refuses to run unless every workspace the lockfile names has its package.json.
    const lock = JSON.parse(readFileSync(join(repositoryRoot, "package-lock.json"), "utf8")) as {
      packages: Record<string, LockedPackage>;
    };
    const workspaces = Object.values(lock.packages)
      .filter((entry) => entry.link === true && entry.resolved !== undefined)
      .map((entry) => `${entry.resolved}/package.json`);
    expect(workspaces).toContain("function/package.json");
    const installInstruction = builder.instructions.indexOf(runs[install] as Instruction);
    const copiedBeforeInstall = copiedFromContext({
      ...builder,
      instructions: builder.instructions.slice(0, installInstruction),
    });
    for (const manifest of ["package.json", "package-lock.json", ...workspaces]) {
      expect(copiedBeforeInstall, `${manifest} is copied before npm ci`).toContain(manifest);
    }
  });

  it("bundles only packages that the function workspace's install provides", () => {
    const installed = installedFor("function");
    expect(installed.has("node_modules/@agnostic-lambda-core/delivery-records")).toBe(true);
    expect(installed.has("node_modules/cdktf")).toBe(false);
    const bundledPackages = new Set(
      buildInputs
        .filter((input) => input.startsWith("node_modules/"))
        .map((input) => /^(?:node_modules\/(?:@[^/]+\/)?[^/]+\/?)+/.exec(input)?.[0] ?? input)
        .map((folder) => folder.replace(/\/$/, "")),
    );
    expect(bundledPackages.size).toBeGreaterThan(0);
    const missing = [...bundledPackages].filter((folder) => !installed.has(folder));
    expect(missing).toEqual([]);
  });

  it("only copies context files that .dockerignore lets in", () => {
    const ignore = readFileSync(join(repositoryRoot, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim());
    expect(ignore[ignore.findIndex((line) => line.length > 0 && !line.startsWith("#"))]).toBe("*");
    for (const source of copiedFromContext(builder)) {
      expect(ignore, `${source} is re-included`).toContain(`!${source}`);
      expect(existsSync(join(repositoryRoot, source)), `${source} exists`).toBe(true);
    }
  });

  it("copies every source file the bundles were built from (so the image build cannot miss one)", () => {
    const sources = copiedFromContext(builder);
    const sourceInputs = buildInputs.filter((path) => !path.startsWith("node_modules/"));
    expect(sourceInputs.length).toBeGreaterThan(0);
    const missing = sourceInputs.filter(
      (input) => !sources.some((source) => input === source || input.startsWith(`${source}/`)),
    );
    expect(missing).toEqual([]);
  });

  it("keeps secrets, dependencies, infrastructure output and tests out of the context", () => {
    const ignore = readFileSync(join(repositoryRoot, ".dockerignore"), "utf8");
    for (const pattern of [
      "**/node_modules",
      "**/.git",
      "**/cdktf.out",
      "**/.env",
      "**/.env.*",
      "**/*.pem",
      "**/test",
      "**/dist",
    ]) {
      expect(ignore.split("\n")).toContain(pattern);
    }
  });
});
