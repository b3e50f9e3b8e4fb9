/**
 * `npm run dora -- report ...`: the command behind tools/dora/cli.ts, with its I/O injected so
 * tests run it in-process. Exit codes: 0 report printed (malformed records are reported on stderr
 * and skipped), 1 the records could not be read, 2 bad usage.
 */
import { parseArgs } from "node:util";
import { computeMetrics, defaultWindow } from "@agnostic-lambda-core/delivery-records/metrics";
import type { ParsedRecords } from "@agnostic-lambda-core/delivery-records/records";
import { parseTimestamp } from "@agnostic-lambda-core/delivery-records/time";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import {
  doraRecorderNames,
  getStageConfig,
  isStageName,
  STAGE_NAMES,
} from "../../stacks/config.js";
import { renderMarkdown, renderTable, toJsonReport } from "./format.js";
import { readRecordsFromLogGroup } from "./sources/cloudwatch-logs.js";
import { readRecordFile } from "./sources/file.js";

export const USAGE = `Usage:
  npm run dora -- report --input <file.jsonl> [--stage prod] [--since <ISO>] [--until <ISO>] [--json | --markdown]
  npm run dora -- report --source aws --stage <stage> [--since <ISO>] [--until <ISO>] [--json | --markdown]

Computes the four DORA metrics for one stage over [since, until).
  --input      JSON-lines records (deployment and incident records), e.g. from \`npm run release -- --record\`
  --source     "file" (default, needs --input) or "aws" (the stage's DORA recorder log group, with
               the default AWS credentials and the stage's region)
  --stage      ${STAGE_NAMES.join(", ")} (default prod)
  --since      window start, inclusive, ISO-8601 with an offset (default: --until minus 30 days)
  --until      window end, exclusive (default: just after the stage's newest record)
  --json       one JSON object instead of the table
  --markdown   a Markdown table (for $GITHUB_STEP_SUMMARY)
`;

export interface ReportIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => number;
  /** @default a client for the stage's region with the default credential chain */
  readonly logsClient?: (region: string) => CloudWatchLogsClient;
}

class UsageError extends Error {}

interface ReportOptions {
  readonly source: "file" | "aws";
  readonly input: string | undefined;
  readonly stage: string;
  readonly since: number | undefined;
  readonly until: number | undefined;
  readonly format: "table" | "json" | "markdown";
}

function timeOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseTimestamp(value);
  if (!parsed.ok) throw new UsageError(`--${name}: ${parsed.reason}`);
  return parsed.epochMs;
}

function parseOptions(argv: readonly string[]): ReportOptions {
  let parsed: ReturnType<typeof parseReportArgs>;
  try {
    parsed = parseReportArgs(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== "report" || positionals.length > 1) {
    throw new UsageError(
      positionals.length === 0
        ? "missing command: the only command is `report`"
        : `unknown command ${JSON.stringify(positionals.join(" "))}: the only command is \`report\``,
    );
  }
  const source = values.source ?? "file";
  if (source !== "file" && source !== "aws") {
    throw new UsageError(`--source must be "file" or "aws", got ${JSON.stringify(source)}`);
  }
  const stage = values.stage ?? "prod";
  if (!isStageName(stage)) {
    throw new UsageError(
      `--stage must be one of ${STAGE_NAMES.join(", ")}, got ${JSON.stringify(stage)}`,
    );
  }
  if (source === "file" && values.input === undefined) {
    throw new UsageError("--input <file.jsonl> is required (or use --source aws)");
  }
  if (source === "aws" && values.input !== undefined) {
    throw new UsageError("--input cannot be combined with --source aws");
  }
  if (source === "aws" && values.stage === undefined) {
    throw new UsageError("--source aws needs --stage, so the report never reads prod by accident");
  }
  if (values.json && values.markdown) throw new UsageError("choose one of --json and --markdown");
  return {
    source,
    input: values.input,
    stage,
    since: timeOption("since", values.since),
    until: timeOption("until", values.until),
    format: values.json ? "json" : values.markdown ? "markdown" : "table",
  };
}

function parseReportArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      input: { type: "string" },
      source: { type: "string" },
      stage: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      json: { type: "boolean" },
      markdown: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

async function readRecords(options: ReportOptions, io: ReportIo): Promise<ParsedRecords> {
  if (options.source === "file") return readRecordFile(options.input as string);
  const config = getStageConfig(options.stage);
  const client =
    io.logsClient?.(config.account.region) ??
    new CloudWatchLogsClient({ region: config.account.region });
  const { logGroupName } = doraRecorderNames(config);
  try {
    return await readRecordsFromLogGroup(client, { logGroupName });
  } catch (error) {
    const name = (error as Error).name;
    throw new Error(
      `cannot read DORA records from ${logGroupName}: ${name}: ${(error as Error).message}`,
    );
  }
}

/** Runs the command; resolves to the process exit code. */
export async function runReport(argv: readonly string[], io: ReportIo): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(USAGE);
    return 0;
  }
  let options: ReportOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`dora: ${error.message}\n\n${USAGE}`);
    return 2;
  }

  let parsed: ParsedRecords;
  try {
    parsed = await readRecords(options, io);
  } catch (error) {
    io.stderr(`dora: ${(error as Error).message}\n`);
    return 1;
  }
  for (const problem of parsed.problems) {
    io.stderr(`dora: skipped ${problem.location}: ${problem.message}\n`);
  }

  let window: ReturnType<typeof defaultWindow>;
  try {
    window = defaultWindow(parsed.records, {
      stage: options.stage,
      since: options.since,
      until: options.until,
      now: io.now(),
    });
  } catch (error) {
    io.stderr(`dora: ${(error as Error).message}\n`);
    return 2;
  }
  const metrics = computeMetrics(parsed.records, window);
  const input = {
    records: parsed.records.length,
    skipped: parsed.problems.length,
    duplicates: parsed.duplicates,
  };
  if (options.format === "json")
    io.stdout(`${JSON.stringify(toJsonReport(metrics, input), null, 2)}\n`);
  else if (options.format === "markdown") io.stdout(renderMarkdown(metrics, input));
  else io.stdout(renderTable(metrics, input));
  return 0;
}
