import { formatDeploymentDescription } from "@agnostic-lambda-core/delivery-records/deployment-description";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commitFromDescription } from "../../recorder/description.js";
import { parseAwsTimestamp } from "../../recorder/timestamps.js";

/** An instant in CloudWatch's alarm style: `2023-08-04T12:36:15.490+0000`. */
function cloudWatchStyle(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("Z", "+0000");
}

describe("parseAwsTimestamp", () => {
  it("reads the published sample with stray spaces as the exact instant", () => {
    expect(parseAwsTimestamp("2023-08-04T12: 36: 15.490+0000")).toEqual({
      ok: true,
      epochMs: Date.UTC(2023, 7, 4, 12, 36, 15, 490),
    });
  });

  it("reads any instant whatever spaces follow its colons", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.array(fc.constantFrom("", " ", "  ", "\t"), { minLength: 2, maxLength: 2 }),
        (epochMs, [first, second]) => {
          const spaced = cloudWatchStyle(epochMs).replace(/:(\d\d):/, `:${first}$1:${second}`);
          expect(parseAwsTimestamp(spaced)).toEqual({ ok: true, epochMs });
        },
      ),
    );
  });

  it.each([
    ["spaces inside a number", "2023-08-04T12:3 6:15.490+0000"],
    ["spaces before a colon", "2023-08-04T12 :36:15.490+0000"],
    ["no offset", "2023-08-04T12: 36: 15.490"],
    ["not a string", 1691152575490],
    ["nothing", undefined],
  ])("rejects a timestamp with %s instead of guessing", (_, text) => {
    expect(parseAwsTimestamp(text).ok).toBe(false);
  });
});

describe("commitFromDescription", () => {
  it("reads back what the release command writes", () => {
    const description = formatDeploymentDescription({
      commit: "3F2C9E1B0A4D",
      committedAt: new Date("2026-03-02T09:00:00Z"),
    });

    expect(commitFromDescription(description)).toEqual({
      ok: true,
      commit: "3f2c9e1b0a4d",
      committedAt: Date.UTC(2026, 2, 2, 9),
    });
  });

  it("reads the commit among other words, in any offset", () => {
    expect(
      commitFromDescription("release=v3.1.0 commit=3f2c9e1 committedAt=2026-03-02T11:00:00+02:00"),
    ).toEqual({
      ok: true,
      commit: "3f2c9e1",
      committedAt: Date.UTC(2026, 2, 2, 9),
    });
  });

  it.each([
    [undefined, "no description"],
    ["", "no description"],
    ["manual hotfix", "no valid commit=<sha> committedAt=<ISO-8601>"],
    ["commit=3f2c9e1", "no valid commit=<sha> committedAt=<ISO-8601>"],
    ["commit=xyz committedAt=2026-03-02T09:00:00Z", "no valid commit=<sha> committedAt=<ISO-8601>"],
    ["commit=3f2c9e1 committedAt=yesterday", "no valid commit=<sha> committedAt=<ISO-8601>"],
  ])("explains why %j carries no usable commit", (description, reason) => {
    const result = commitFromDescription(description);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(reason);
  });
});
