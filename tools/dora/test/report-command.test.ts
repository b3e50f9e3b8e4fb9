import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  FAKE_CREDENTIALS,
  type FakeAwsEndpoint,
  startFakeAwsEndpoint,
} from "@agnostic-lambda-core/fake-aws/scripted";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runReport } from "../report-command.js";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
const sampleFile = join(repositoryRoot, "tools/dora/examples/sample.jsonl");
const NOW = Date.UTC(2026, 5, 1);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function report(
  argv: string[],
  logsClient?: (region: string) => CloudWatchLogsClient,
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runReport(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    now: () => NOW,
    logsClient,
  });
  return { code, stdout, stderr };
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "dora-report-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("report from a file", () => {
  it("prints the sample's metrics as JSON, with the values worked out by hand", async () => {
    const run = await report(["report", "--input", sampleFile, "--json"]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({
      stage: "prod",
      // Newest prod record: the p99 incident opened 2026-03-30T21:00Z; until is just after it.
      since: "2026-02-28T21:00:00.001Z",
      until: "2026-03-30T21:00:00.001Z",
      windowDays: 30,
      // 8 succeeded of 10 prod deployments.
      deploymentFrequencyPerDay: { value: 8 / 30, band: "high", count: 8 },
      // Failed P03, rolled back P05, and P04, P08, P10 each followed by an incident before the
      // next deployment started (P10's is the p99 incident still open): 5 of 10.
      changeFailureRate: { value: 0.5, band: "low", count: 10, failures: 5 },
      // 42 min and 2 h 15 min: median 1.475 h.
      timeToRestoreHours: { value: 1.475, band: "high", count: 2 },
      openIncidents: [
        {
          alarm: "agnostic-lambda-core-prod-p99-duration",
          openedAt: "2026-03-30T21:00:00.000Z",
          resolvedAt: null,
        },
      ],
      input: { records: 14, skipped: 0, duplicates: 0 },
    });
    // Middle lead times 18 h 52 min (P08) and 19 h 10 min (P10).
    expect(json.leadTimeForChangesHours.value).toBeCloseTo((18 + 52 / 60 + 19 + 10 / 60) / 2, 10);
    expect(json.leadTimeForChangesHours).toMatchObject({ band: "elite", count: 8 });
  });

  it("prints a readable table by default", async () => {
    const run = await report(["report", "--input", sampleFile, "--stage", "test"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('DORA metrics for stage "test"');
    expect(run.stdout).toMatch(
      /Deployment frequency\s+0\.03 per day\s+medium\s+1 succeeded deployment$/m,
    );
    expect(run.stdout).toMatch(/Time to restore\s+no data\s+-\s+0 resolved incidents$/m);
    expect(run.stdout).toContain("Open incidents: none");
  });

  it("writes a Markdown table for a job summary", async () => {
    const run = await report(["report", "--input", sampleFile, "--markdown"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("| Metric | Value | Band | Sample size |");
    expect(run.stdout).toContain("| Change failure rate | 50 % | low | 5 of 10 deployments |");
    expect(run.stdout).toContain(
      "- agnostic-lambda-core-prod-p99-duration since 2026-03-30T21:00:00.000Z",
    );
  });

  it("honours an explicit window", async () => {
    const run = await report([
      "report",
      "--input",
      sampleFile,
      "--json",
      "--since",
      "2026-03-01T00:00:00+01:00",
      "--until",
      "2026-03-05T00:00:00Z",
    ]);

    const json = JSON.parse(run.stdout);
    expect(json.since).toBe("2026-02-28T23:00:00.000Z");
    expect(json.deploymentFrequencyPerDay).toEqual({
      value: 2 / (4 + 1 / 24),
      band: "high",
      count: 2,
    });
  });

  it("reports malformed lines with their numbers on stderr and counts the rest", async () => {
    const file = join(directory, "mixed.jsonl");
    const good = JSON.stringify({
      type: "deployment",
      stage: "prod",
      deploymentId: "d-1",
      commit: "3f2c9e1",
      committedAt: "2026-03-01T08:00:00Z",
      startedAt: "2026-03-01T09:00:00Z",
      finishedAt: "2026-03-01T10:00:00Z",
      status: "succeeded",
    });
    await writeFile(
      file,
      [good, "garbage", JSON.stringify({ type: "incident", stage: "prod" })].join("\n"),
    );

    const run = await report(["report", "--input", file, "--json"]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'dora: skipped line 2: not valid JSON\ndora: skipped line 3: "alarm" must be a non-empty string\n',
    );
    expect(JSON.parse(run.stdout).deploymentFrequencyPerDay.count).toBe(1);
  });

  it("fails with exit code 1 when the file cannot be read", async () => {
    const run = await report(["report", "--input", join(directory, "missing.jsonl")]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("cannot read records file");
    expect(run.stderr).toContain("ENOENT");
    expect(run.stdout).toBe("");
  });
});

describe("usage errors exit with code 2 and say what is wrong", () => {
  it.each([
    [[], "missing command"],
    [["summary"], 'unknown command "summary"'],
    [["report"], "--input <file.jsonl> is required"],
    [
      ["report", "--input", "x", "--stage", "staging"],
      '--stage must be one of dev, test, prod, got "staging"',
    ],
    [
      ["report", "--input", "x", "--since", "yesterday"],
      '--since: "yesterday" is not an ISO-8601 timestamp',
    ],
    [["report", "--input", "x", "--json", "--markdown"], "choose one of --json and --markdown"],
    [["report", "--input", "x", "--verbose"], "Unknown option '--verbose'"],
    [["report", "--source", "s3"], '--source must be "file" or "aws"'],
    [["report", "--source", "aws"], "--source aws needs --stage"],
    [
      ["report", "--source", "aws", "--stage", "dev", "--input", "x"],
      "--input cannot be combined with --source aws",
    ],
  ])("%j", async (argv, message) => {
    const run = await report(argv);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("Usage:");
  });

  it("rejects a window whose since is not before until", async () => {
    const run = await report([
      "report",
      "--input",
      sampleFile,
      "--since",
      "2026-03-10T00:00:00Z",
      "--until",
      "2026-03-01T00:00:00Z",
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("since must be before until");
  });
});

describe("report from the recorder's log group (--source aws)", () => {
  let endpoint: FakeAwsEndpoint | undefined;
  afterEach(async () => {
    await endpoint?.close();
    endpoint = undefined;
  });

  const incident = JSON.stringify({
    type: "incident",
    stage: "dev",
    alarm: "agnostic-lambda-core-dev-errors",
    openedAt: "2026-03-09T18:00:00Z",
    resolvedAt: "2026-03-09T18:30:00Z",
  });

  it("reads the stage's recorder log group, named by the shared stage config", async () => {
    endpoint = await startFakeAwsEndpoint({
      "Logs_20140328.FilterLogEvents": () => ({
        body: { events: [{ eventId: "e1", timestamp: 1, logStreamName: "s", message: incident }] },
      }),
    });
    const url = endpoint.url;
    const regions: string[] = [];

    const run = await report(
      ["report", "--source", "aws", "--stage", "dev", "--json"],
      (region) => {
        regions.push(region);
        return new CloudWatchLogsClient({ region, endpoint: url, credentials: FAKE_CREDENTIALS });
      },
    );

    expect(run.code).toBe(0);
    expect(regions).toEqual(["eu-west-1"]);
    expect(endpoint.requests[0]?.body.logGroupName).toBe(
      "/aws/lambda/agnostic-lambda-core-dev-dora-recorder",
    );
    expect(JSON.parse(run.stdout).timeToRestoreHours).toEqual({
      value: 0.5,
      band: "elite",
      count: 1,
    });
  });

  it("exits 1 naming the log group when AWS refuses", async () => {
    endpoint = await startFakeAwsEndpoint({
      "Logs_20140328.FilterLogEvents": () => ({
        status: 400,
        body: {
          __type: "ResourceNotFoundException",
          message: "The specified log group does not exist.",
        },
      }),
    });
    const url = endpoint.url;

    const run = await report(
      ["report", "--source", "aws", "--stage", "dev"],
      (region) =>
        new CloudWatchLogsClient({
          region,
          endpoint: url,
          credentials: FAKE_CREDENTIALS,
          maxAttempts: 1,
        }),
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "dora: cannot read DORA records from /aws/lambda/agnostic-lambda-core-dev-dora-recorder: ResourceNotFoundException: The specified log group does not exist.\n",
    );
  });

  it("works end to end as a process, with the SDK pointed at the fake by AWS_ENDPOINT_URL", async () => {
    endpoint = await startFakeAwsEndpoint({
      "Logs_20140328.FilterLogEvents": () => ({
        body: { events: [{ eventId: "e1", timestamp: 1, logStreamName: "s", message: incident }] },
      }),
    });

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--import",
        "tsx",
        // As `npm run dora` does: no AWS SDK Node-version warning (tools/project-env.ts).
        "--import",
        "./tools/project-env.ts",
        "tools/dora/cli.ts",
        "report",
        "--source",
        "aws",
        "--stage",
        "dev",
        "--json",
      ],
      {
        cwd: repositoryRoot,
        env: {
          PATH: process.env.PATH,
          AWS_ENDPOINT_URL: endpoint.url,
          AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
          AWS_EC2_METADATA_DISABLED: "true",
        },
      },
    );

    expect(JSON.parse(stdout).timeToRestoreHours.count).toBe(1);
    expect(endpoint.requests).toHaveLength(1);
  });
});
