/** Reads DORA records from a JSON-lines file (the release command's `--record` output). */
import { readFile } from "node:fs/promises";
import {
  linesOf,
  type ParsedRecords,
  parseRecords,
} from "@agnostic-lambda-core/delivery-records/records";

/** A file that could not be read at all (missing, a directory, no permission). */
export class RecordFileError extends Error {
  override readonly name = "RecordFileError";
}

/** Parses every line of `path`; malformed lines come back as problems with their line number. */
export async function readRecordFile(path: string): Promise<ParsedRecords> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new RecordFileError(`cannot read records file ${JSON.stringify(path)}: ${code}`);
  }
  return parseRecords(linesOf(text));
}
