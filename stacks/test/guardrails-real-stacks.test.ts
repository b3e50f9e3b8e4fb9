/**
 * The guardrails on the real app (`buildApp` from stacks/app.ts): applied to every stack, passed
 * by the real shared, bootstrap, dev, test and prod stacks, and able to stop the real app, both
 * in process and as `tsx` runs it for `npm run synth`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { type App, Aspects, TerraformStack } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../app";
import { StackElements } from "../guardrails/element-view";
import { Guardrails } from "../guardrails/index";
import { synthError } from "./guardrail-fixtures";

const here = dirname(fileURLToPath(import.meta.url));
const outdirs: string[] = [];
afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

function temporaryOutdir(): string {
  const outdir = mkdtempSync(join(tmpdir(), "guardrails-real-"));
  outdirs.push(outdir);
  return outdir;
}

function stacksOf(app: App): TerraformStack[] {
  return app.node.children.filter((child) => TerraformStack.isStack(child));
}

function guardrailsOf(stack: TerraformStack): Guardrails[] {
  return Aspects.of(stack).all.filter((aspect) => aspect instanceof Guardrails);
}

describe("the guardrails on the real app", () => {
  it("are applied once to every stack buildApp creates", () => {
    delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    const app = buildApp({ outdir: temporaryOutdir(), env: {} });

    const applied = stacksOf(app).map((stack) => [stack.node.id, guardrailsOf(stack).length]);

    expect(applied).toEqual(
      expect.arrayContaining([
        ["shared", 1],
        ["dev", 1],
        ["test", 1],
        ["prod", 1],
      ]),
    );
    expect(applied.every(([, count]) => count === 1)).toBe(true);
  });

  it("pass for the real shared, bootstrap, dev, test and prod stacks", () => {
    delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    const app = buildApp({ outdir: temporaryOutdir(), env: {} });

    const error = synthError(app);

    expect(error).toBeUndefined();
    const violations = stacksOf(app).flatMap((stack) =>
      guardrailsOf(stack).flatMap((guardrails) => guardrails.violations),
    );
    expect(violations).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(app.outdir, "manifest.json"), "utf8"));
    const errors = Object.values(
      manifest.stacks as Record<string, { annotations: { level: string }[] }>,
    ).flatMap((stack) => stack.annotations.filter((a) => a.level === "@cdktf/error"));
    expect(errors).toEqual([]);
  });

  it("carry only the documented waivers: the public URL's invoke permission and the canary alarms", () => {
    delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    const app = buildApp({ outdir: temporaryOutdir(), env: {} });

    app.synth();

    const waived = stacksOf(app)
      .flatMap((stack) => guardrailsOf(stack).flatMap((guardrails) => guardrails.appliedWaivers))
      .map((waiver) => `${waiver.ruleId} ${waiver.path}`);
    expect(waived.sort()).toEqual(
      ["dev", "test", "prod"]
        .flatMap((stage) => [
          `ALC006 ${stage}/delivery/canary-errors`,
          `ALC006 ${stage}/delivery/canary-p99-duration`,
          `ALC012 ${stage}/service/public-url-invoke-function`,
        ])
        .sort(),
    );
  });

  it("stop the real app when a prod resource breaks a rule, naming the resource path", () => {
    delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    const app = buildApp({ outdir: temporaryOutdir(), env: {}, stages: ["prod"] });
    const topic = app.node
      .findAll()
      .find((node) => node instanceof SnsTopic && node.node.path.startsWith("prod/"));
    if (!(topic instanceof SnsTopic)) throw new Error("the prod stack has no SNS topic");
    topic.resetKmsMasterKeyId();

    const error = synthError(app);

    expect(error).toContain(`[${topic.node.path}] [ALC001] `);
    expect(error).toContain("Fix: set kmsMasterKeyId");
  });

  it("make a tsx-run app (as npm run synth runs main.ts) exit non-zero with the rule and path", () => {
    const outdir = temporaryOutdir();
    const env = { ...process.env };
    delete env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;

    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", join(here, "guardrail-failing-app.ts"), outdir],
      { encoding: "utf8", env, timeout: 50_000 },
    );

    const broken = /breaking (\S+)/.exec(run.stdout)?.[1];
    expect(broken, run.stderr).toMatch(/^prod\//);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`[${broken}] [ALC001] Every SNS topic is encrypted with KMS`);
  });

  it("read every attribute of every real resource exactly as cdk.tf.json holds it", () => {
    delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    const app = buildApp({ outdir: temporaryOutdir(), env: {} });
    app.synth();
    const mismatches: string[] = [];
    let compared = 0;

    for (const stack of stacksOf(app)) {
      const json = JSON.parse(
        readFileSync(join(app.outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8"),
      );
      const elements = new StackElements(stack);
      for (const element of elements.elements()) {
        const view = elements.viewOf(element);
        if (view.kind === "provider") continue;
        const block = view.kind === "resource" ? json.resource : json.data;
        const synthesized = block[view.type][view.name] as Record<string, unknown>;
        for (const [attribute, value] of Object.entries(synthesized)) {
          if (attribute === "//") continue;
          compared += 1;
          // Round-trip through JSON: cdk.tf.json drops undefined members, as the plan does.
          const read = JSON.parse(JSON.stringify(view.attributes[attribute]) ?? "null");
          if (!isDeepStrictEqual(read, value)) {
            mismatches.push(`${view.path}.${attribute}`);
          }
        }
      }
    }

    expect(compared).toBeGreaterThan(500);
    expect(mismatches).toEqual([]);
  });

  it("can be turned off only explicitly in code (for the benchmark)", () => {
    const app = buildApp({ outdir: temporaryOutdir(), env: {}, guardrails: false });

    expect(stacksOf(app).flatMap(guardrailsOf)).toEqual([]);
  });
});
