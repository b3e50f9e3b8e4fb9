import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "cdktf";
import { Construct } from "constructs";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { applyGuardrails, WaiverError, waive } from "../guardrails/index";
import {
  makeGuardedStack,
  makeTopic,
  removeGuardedStackOutdirs,
  synthError,
} from "./guardrail-fixtures";

afterAll(removeGuardedStackOutdirs);
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
});

const REASON = "Legacy topic read by an external consumer that cannot use KMS yet (OPS-123)";

interface ManifestAnnotation {
  readonly constructPath: string;
  readonly level: string;
  readonly message: string;
}

function annotationsOf(app: App, stackId: string): ManifestAnnotation[] {
  const manifest = JSON.parse(readFileSync(join(app.outdir, "manifest.json"), "utf8"));
  return manifest.stacks[stackId].annotations;
}

function synthesizedResource(app: App, type: string, name: string): Record<string, unknown> {
  const json = JSON.parse(readFileSync(join(app.outdir, "stacks", "s", "cdk.tf.json"), "utf8"));
  return json.resource[type][name];
}

describe("a waiver", () => {
  it("lets the waived resource pass and prints the rule, the path and the reason at synth", () => {
    const { app, stack, reports, guardrails } = makeGuardedStack();
    const topic = makeTopic(stack, false);
    waive(topic, "ALC001", REASON);

    const error = synthError(app);

    expect(error).toBeUndefined();
    expect(reports).toEqual([expect.stringContaining(`[ALC001] WAIVED for s/topic: ${REASON}`)]);
    expect(reports[0]).toContain("kms_master_key_id is not set");
    expect(guardrails.appliedWaivers).toEqual([
      expect.objectContaining({ ruleId: "ALC001", path: "s/topic", reason: REASON }),
    ]);
    expect(annotationsOf(app, "s")).toContainEqual(
      expect.objectContaining({
        constructPath: "s/topic",
        level: "@cdktf/warn",
        message: expect.stringContaining(`[ALC001] WAIVED for s/topic: ${REASON}`),
      }),
    );
  });

  it.each([
    ["npm run synth (tsx main.ts), which prints no annotations", undefined, 1],
    ["the cdktf CLI, which prints the warning annotation itself", "true", 0],
  ])("is printed to stderr by default under %s", (_, continueFlag, printed) => {
    const { app, stack } = makeGuardedStack();
    const topic = makeTopic(stack, false, "printed-topic");
    // A second aspect with the default report: the fixture's one collects into an array.
    applyGuardrails(stack, { accountId: "222222222222" });
    waive(topic, "ALC001", REASON);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    if (continueFlag) process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = continueFlag;

    synthError(app);

    expect(warn).toHaveBeenCalledTimes(printed);
    if (printed) expect(warn.mock.calls[0]?.[0]).toContain("[ALC001] WAIVED for s/printed-topic");
  });

  it("is written into the resource's // comment in cdk.tf.json for reviewers", () => {
    const { app, stack } = makeGuardedStack();
    waive(makeTopic(stack, false), "ALC001", REASON);

    synthError(app);

    expect(synthesizedResource(app, "aws_sns_topic", "topic")["//"]).toMatchObject({
      guardrail_waivers: { ALC001: REASON },
    });
  });

  it("excuses one resource only: a sibling breaking the same rule still fails synth", () => {
    const { app, stack } = makeGuardedStack();
    waive(makeTopic(stack, false, "legacy-topic"), "ALC001", REASON);
    makeTopic(stack, false, "new-topic");

    const error = synthError(app);

    expect(error).toContain("[s/new-topic] [ALC001]");
    expect(error).not.toContain("[s/legacy-topic] [ALC001]");
  });

  it("excuses one rule only: the waived resource still fails the other rules it breaks", () => {
    const { app, stack } = makeGuardedStack({ provider: { defaultTags: undefined } });
    waive(makeTopic(stack, false), "ALC001", REASON);

    const error = synthError(app);

    expect(error).toContain("[s/topic] [ALC010]");
    expect(error).not.toContain("[ALC001]");
  });

  it("that is no longer needed leaves a warning asking to remove it", () => {
    const { app, stack, reports } = makeGuardedStack();
    waive(makeTopic(stack, true), "ALC001", REASON);
    waive(stack.node.findChild("aws"), "ALC003", REASON);

    expect(synthError(app)).toBeUndefined();
    const warnings = annotationsOf(app, "s").filter((a) => a.level === "@cdktf/warn");
    expect(warnings).toEqual([
      expect.objectContaining({
        constructPath: "s/aws",
        message: expect.stringContaining("[ALC003] unused waiver: the rule does not check aws"),
      }),
      expect.objectContaining({
        constructPath: "s/topic",
        message: expect.stringContaining("[ALC001] unused waiver: the resource complies"),
      }),
    ]);
    expect(reports).toEqual([]);
  });

  it.each([
    ["an empty reason", "ALC001", "   ", "needs a written reason"],
    ["an unknown rule id", "ALC999", REASON, 'unknown rule "ALC999"'],
  ])("with %s is refused when it is declared", (_, ruleId, reason, message) => {
    const { stack } = makeGuardedStack();
    const topic = makeTopic(stack, false);

    expect(() => waive(topic, ruleId, reason)).toThrow(WaiverError);
    expect(() => waive(topic, ruleId, reason)).toThrow(message);
  });

  it("on a construct that groups resources is refused, so it can never cover a subtree", () => {
    const { stack } = makeGuardedStack();
    const group = new Construct(stack, "alarms");
    makeTopic(group, false);

    expect(() => waive(group, "ALC001", REASON)).toThrow(
      'waive(s/alarms, "ALC001"): waive one resource',
    );
  });
});
