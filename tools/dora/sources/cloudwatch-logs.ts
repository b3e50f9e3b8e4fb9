/**
 * Reads the records the DORA recorder wrote to its CloudWatch Logs log group (FilterLogEvents,
 * every page), so the report needs no hand-kept data in AWS.
 */

import {
  type ParsedRecords,
  parseRecords,
  type RawRecord,
} from "@agnostic-lambda-core/delivery-records/records";
import {
  type CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";

/** Only record lines: EMF documents and diagnostics in the same group are left out by Logs. */
export const RECORD_FILTER_PATTERN = '{ ($.type = "deployment") || ($.type = "incident") }';

/** A safety stop: the recorder writes a few lines per deployment, far below this. */
const MAX_PAGES = 1000;

export interface LogGroupQuery {
  readonly logGroupName: string;
}

/**
 * Fetches every matching event of the group's whole retention, oldest first, and parses each
 * message as a record. No time filter on purpose: an incident still open in the window was
 * written when it opened, possibly long before `--since`, and the change failure rate looks at
 * incidents after the window too.
 */
export async function readRecordsFromLogGroup(
  client: CloudWatchLogsClient,
  query: LogGroupQuery,
): Promise<ParsedRecords> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(
      new FilterLogEventsCommand({
        logGroupName: query.logGroupName,
        filterPattern: RECORD_FILTER_PATTERN,
        nextToken,
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
    pages += 1;
    if (pages >= MAX_PAGES && nextToken) {
      throw new Error(
        `${query.logGroupName}: more than ${MAX_PAGES} pages of records; shorten the log group's retention`,
      );
    }
  } while (nextToken);
  events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  const raw: RawRecord[] = events.map((event, index) => ({
    location: `log event ${event.eventId ?? `#${index + 1}`} (${event.logStreamName ?? "unknown stream"})`,
    text: event.message ?? "",
  }));
  return parseRecords(raw);
}
