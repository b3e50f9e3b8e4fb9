/** `npm run dora -- report ...` (see tools/dora/report-command.ts for the options). */
import { runReport } from "./report-command.js";

process.exitCode = await runReport(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  now: Date.now,
});
