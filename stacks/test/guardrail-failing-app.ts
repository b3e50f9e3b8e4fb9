/**
 * A CDKTF app run like `main.ts` (`tsx <file>` → `app.synth()`), whose prod alarm topic has lost
 * its KMS key. The guardrails test runs it in a child process to prove that synth ends the
 * process with a non-zero exit code and a message naming the resource, the rule and the fix.
 */
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { buildApp } from "../app";

// The test passes an output directory; the cdktf CLI sets CDKTF_OUTDIR, which App reads.
const outdir = process.argv[2];
const app = buildApp({ outdir, env: {}, stages: ["prod"] });
const topic = app.node
  .findAll()
  .find((node): node is SnsTopic => node instanceof SnsTopic && node.node.path.startsWith("prod/"));
if (!topic) throw new Error("the prod stack has no SNS topic to break");
topic.resetKmsMasterKeyId();
console.log(`breaking ${topic.node.path}`);
app.synth();
