/**
 * Publishes a release run's outcome to the stage's SNS topic and, when asked, appends it to the
 * GitHub job summary:
 *
 *   tsx tools/ci/notify.ts --topic-arn <arn> --stage dev --version <tag> --status success
 *       --started-at <epoch seconds> --run-url <url> [--digest sha256:...] [--summary-file <path>]
 *
 * The region comes from the topic ARN; credentials from the environment (the deploy role).
 * Exit 0 once published, 1 when publishing fails, 2 on bad arguments.
 */
import { appendFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { ArgumentError, parseOptions, required } from "./args";

export const RELEASE_STATUSES = ["success", "failure", "cancelled"] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export interface ReleaseOutcome {
  readonly project: string;
  readonly stage: string;
  readonly version: string;
  readonly digest: string | undefined;
  readonly status: ReleaseStatus;
  readonly durationSeconds: number;
  readonly runUrl: string;
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/;

/** The region of a topic ARN; throws naming the argument when it is not one. */
export function regionOfTopic(topicArn: string): string {
  const match = SNS_TOPIC_ARN.exec(topicArn);
  if (!match) throw new ArgumentError(`--topic-arn must be an SNS topic ARN, got "${topicArn}"`);
  return match[1] as string;
}

export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes} min ${whole % 60} s` : `${whole} s`;
}

/** Subject (at most 100 characters, as SNS requires) and body of the notification. */
export function outcomeMessage(outcome: ReleaseOutcome): { subject: string; message: string } {
  const subject = `[${outcome.project}] ${outcome.stage} release ${outcome.version.slice(0, 12)}: ${outcome.status}`;
  const message = [
    `Release of ${outcome.project} to ${outcome.stage}: ${outcome.status.toUpperCase()}`,
    "",
    `Stage:    ${outcome.stage}`,
    `Version:  ${outcome.version}`,
    `Image:    ${outcome.digest ?? "(no digest)"}`,
    `Status:   ${outcome.status}`,
    `Duration: ${formatDuration(outcome.durationSeconds)}`,
    `Run:      ${outcome.runUrl}`,
  ].join("\n");
  return { subject: subject.slice(0, 100), message };
}

/** One Markdown table row per stage for the job summary (with the header when `header`). */
export function summaryMarkdown(outcome: ReleaseOutcome): string {
  const icon = outcome.status === "success" ? "✅" : outcome.status === "failure" ? "❌" : "⏹️";
  return [
    `### ${icon} ${outcome.stage}: ${outcome.status}`,
    "",
    "| Stage | Version | Image digest | Status | Duration |",
    "| --- | --- | --- | --- | --- |",
    `| ${outcome.stage} | \`${outcome.version}\` | \`${outcome.digest ?? "-"}\` | ${outcome.status} | ${formatDuration(outcome.durationSeconds)} |`,
    "",
  ].join("\n");
}

export function parseOutcome(
  options: Readonly<Record<string, string>>,
  nowSeconds: number,
  project: string,
): ReleaseOutcome {
  const status = required(options, "status");
  if (!(RELEASE_STATUSES as readonly string[]).includes(status)) {
    throw new ArgumentError(
      `--status must be one of ${RELEASE_STATUSES.join(", ")}, got "${status}"`,
    );
  }
  const startedAt = Number(required(options, "started-at"));
  if (!Number.isInteger(startedAt) || startedAt <= 0 || startedAt > nowSeconds) {
    throw new ArgumentError(
      `--started-at must be a past Unix time in seconds, got "${options["started-at"]}"`,
    );
  }
  const digest = options.digest?.trim() || undefined;
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new ArgumentError(`--digest must look like sha256:<64 hex digits>, got "${digest}"`);
  }
  return {
    project,
    stage: required(options, "stage"),
    version: required(options, "version"),
    digest,
    status: status as ReleaseStatus,
    durationSeconds: nowSeconds - startedAt,
    runUrl: required(options, "run-url"),
  };
}

export interface NotifyDependencies {
  /** @default a real SNSClient for the topic's region */
  readonly client?: SNSClient;
  /** @default Date.now() / 1000 */
  readonly nowSeconds?: number;
}

const OPTIONS = [
  "topic-arn",
  "stage",
  "version",
  "digest",
  "status",
  "started-at",
  "run-url",
  "summary-file",
];

export async function main(
  argv: readonly string[],
  dependencies: NotifyDependencies = {},
): Promise<number> {
  let outcome: ReleaseOutcome;
  let topicArn: string;
  let options: Record<string, string>;
  try {
    options = parseOptions(argv, OPTIONS);
    topicArn = required(options, "topic-arn");
    regionOfTopic(topicArn);
    outcome = parseOutcome(
      options,
      Math.floor(dependencies.nowSeconds ?? Date.now() / 1000),
      "agnostic-lambda-core",
    );
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    console.error(`notify: ${error.message}`);
    return 2;
  }
  // The summary first: it is the record in GitHub even when the topic cannot be reached.
  if (options["summary-file"]) await appendFile(options["summary-file"], summaryMarkdown(outcome));
  const client = dependencies.client ?? new SNSClient({ region: regionOfTopic(topicArn) });
  const { subject, message } = outcomeMessage(outcome);
  try {
    const result = await client.send(
      new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }),
    );
    console.log(
      `notify: published ${outcome.stage} ${outcome.status} (message ${result.MessageId})`,
    );
    return 0;
  } catch (error) {
    console.error(
      `notify: publishing to ${topicArn} failed: ${(error as Error).name}: ${(error as Error).message}`,
    );
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
