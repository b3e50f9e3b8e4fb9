/**
 * What the project's commands print, run as a user runs them (`npm run ...`): quiet synth, no
 * AWS SDK Node-version warning, no telemetry setting left to the user.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  FAKE_CREDENTIALS,
  type FakeAwsEndpoint,
  startFakeAwsEndpoint,
} from "@agnostic-lambda-core/fake-aws/scripted";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

/** The environment of a fresh shell: nothing the project sets for itself. */
function bareEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    TMPDIR: tmpdir(),
    ...extra,
  };
}

let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), "synth-output-"));
});
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe("npm run synth", () => {
  it("prints one line per stack and one line counting the waivers: at most 10 lines", async () => {
    const { stdout, stderr } = await run("npm", ["run", "synth"], {
      cwd: repositoryRoot,
      env: bareEnvironment({ CDKTF_OUTDIR: outdir }),
    });

    const lines = `${stdout}${stderr}`.split("\n").filter((line) => line.trim() !== "");
    expect(lines.length).toBeLessThanOrEqual(10);
    const stackLines = lines.filter((line) => line.startsWith("synthesized "));
    expect(stackLines.map((line) => line.split(" ")[1])).toEqual([
      "shared",
      "bootstrap-dev",
      "bootstrap-test",
      "bootstrap-prod",
      "dev",
      "test",
      "prod",
    ]);
    expect(lines.filter((line) => line.startsWith("guardrails: "))).toEqual([
      expect.stringMatching(/^guardrails: \d+ waivers? applied/),
    ]);
    expect(stdout).not.toContain("WAIVED");
    // Nothing informational on stderr: the cdktf CLI labels the app's stderr [ERROR].
    expect(stderr).toBe("");
  });

  it("lists every waiver with its rule, resource and reason on request (--verbose)", async () => {
    const { stdout } = await run("npm", ["run", "--silent", "synth", "--", "--verbose"], {
      cwd: repositoryRoot,
      env: bareEnvironment({ CDKTF_OUTDIR: outdir }),
    });

    const count = Number(/guardrails: (\d+) waiver/.exec(stdout)?.[1]);
    const waiverLines = stdout.split("\n").filter((line) => /^ {2}\[ALC\d{3}\] /.test(line));
    expect(count).toBeGreaterThan(0);
    expect(waiverLines).toHaveLength(count);
    expect(waiverLines[0]).toMatch(/^ {2}\[ALC\d{3}\] \S+\/\S+: .+ \(would fail: .+\)$/);
  });
});

describe("project commands on Node 20", () => {
  let endpoint: FakeAwsEndpoint;
  beforeAll(async () => {
    endpoint = await startFakeAwsEndpoint({
      "Logs_20140328.FilterLogEvents": () => ({ body: { events: [] } }),
    });
  });
  afterAll(async () => {
    await endpoint.close();
  });

  const awsEnvironment = () =>
    bareEnvironment({
      AWS_ENDPOINT_URL: endpoint.url,
      AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: "true",
    });
  const dora = ["report", "--source", "aws", "--stage", "dev", "--json"];

  it("do not print the AWS SDK's NodeVersionSupportWarning (npm run dora, which calls AWS)", async () => {
    const { stdout, stderr } = await run("npm", ["run", "--silent", "dora", "--", ...dora], {
      cwd: repositoryRoot,
      env: awsEnvironment(),
    });

    expect(JSON.parse(stdout)).toHaveProperty("timeToRestoreHours");
    expect(endpoint.requests.length).toBeGreaterThan(0);
    expect(stderr).not.toContain("NodeVersionSupportWarning");
  });

  it.runIf(Number(process.versions.node.split(".")[0]) < 22)(
    "would print it without the project's environment defaults (so the check above can fail)",
    async () => {
      const { stderr } = await run(
        process.execPath,
        ["--import", "tsx", "tools/dora/cli.ts", ...dora],
        { cwd: repositoryRoot, env: awsEnvironment() },
      );

      expect(stderr).toContain("NodeVersionSupportWarning");
    },
  );

  it("each load the project's environment defaults first (package.json scripts)", () => {
    const scripts = Object.entries(
      (
        JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as {
          scripts: Record<string, string>;
        }
      ).scripts,
    );
    const tsxRuns = scripts.flatMap(([name, script]) =>
      script
        .split("&&")
        .map((part) => part.trim())
        .filter((part) => part.startsWith("tsx "))
        .map((part) => ({ name, part })),
    );

    expect(tsxRuns.length).toBeGreaterThan(5);
    for (const { name, part } of tsxRuns) {
      expect(part, `npm run ${name}`).toMatch(/^tsx --import \.\/tools\/project-env\.ts /);
    }
  });

  it("start terraform and the cdktf CLI with CHECKPOINT_DISABLE set: no telemetry call", async () => {
    const { stdout } = await run(
      "npm",
      [
        "exec",
        "--",
        "tsx",
        "--import",
        "./tools/project-env.ts",
        "-e",
        "process.stdout.write(String(process.env.CHECKPOINT_DISABLE))",
      ],
      { cwd: repositoryRoot, env: bareEnvironment() },
    );

    expect(stdout).toBe("1");
  });
});
