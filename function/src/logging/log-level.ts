/** The log levels Powertools for AWS Lambda understands (its `LOG_LEVEL` values). */
export const LOG_LEVELS = [
  "TRACE",
  "DEBUG",
  "INFO",
  "WARN",
  "ERROR",
  "CRITICAL",
  "SILENT",
] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];
