/**
 * The release command's pure parts: the deployment description contract (read by the DORA
 * recorder), the commit lookup, the default timeout and the outcome of a finished deployment.
 */

import {
  DeploymentDescriptionError,
  formatDeploymentDescription,
  parseDeploymentDescription,
} from "@agnostic-lambda-core/delivery-records/deployment-description";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STAGES } from "../../../stacks/config";
import { CommitLookupError, readCommit } from "../commit";
import type { DeploymentSnapshot } from "../delivery-api";
import { formatDuration } from "../progress";
import { defaultTimeoutSeconds, outcomeOf } from "../release";

const SHA = "3f2c9e1b0a4d5c6e7f8091a2b3c4d5e6f7081920";

describe("deployment description", () => {
  it("formats commit and UTC commit time in the documented form", () => {
    const text = formatDeploymentDescription({
      commit: SHA,
      committedAt: new Date("2026-03-02T11:00:00+02:00"),
    });

    expect(text).toBe(`commit=${SHA} committedAt=2026-03-02T09:00:00Z`);
    expect(text).toHaveLength(80);
  });

  it("reads back what it wrote, for any commit and second-precision time", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-f]{7,64}$/),
        fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        (commit, date) => {
          const committedAt = new Date(Math.floor(date.getTime() / 1000) * 1000);
          const text = formatDeploymentDescription({ commit, committedAt });

          expect(parseDeploymentDescription(text)).toEqual({ commit, committedAt });
        },
      ),
    );
  });

  it("ignores extra words a future writer may add", () => {
    expect(
      parseDeploymentDescription(
        `release stage=prod commit=${SHA} committedAt=2026-03-02T09:00:00+02:00 by=ci`,
      ),
    ).toEqual({ commit: SHA, committedAt: new Date("2026-03-02T07:00:00Z") });
  });

  it.each([
    [undefined],
    [""],
    ["Deployed from the console"],
    [`commit=${SHA}`],
    ["commit=not-a-sha committedAt=2026-03-02T09:00:00Z"],
    [`commit=${SHA} committedAt=yesterday`],
    [`commit=${SHA} committedAt=2026-13-45T99:00:00Z`],
  ])("returns undefined for a description it did not write: %j", (text) => {
    expect(parseDeploymentDescription(text)).toBeUndefined();
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(() => parseDeploymentDescription(text)).not.toThrow();
      }),
    );
  });

  it("refuses a commit that is not a git id, naming the field", () => {
    expect(() => formatDeploymentDescription({ commit: "main", committedAt: new Date() })).toThrow(
      DeploymentDescriptionError,
    );
    expect(() => formatDeploymentDescription({ commit: "main", committedAt: new Date() })).toThrow(
      /commit must be a git commit id/,
    );
  });
});

describe("readCommit", () => {
  it("asks git for GITHUB_SHA's full id and committer date", () => {
    const asked: (readonly string[])[] = [];

    const commit = readCommit({ GITHUB_SHA: SHA }, (args) => {
      asked.push(args);
      return `${SHA} 2026-03-02T11:00:00+02:00\n`;
    });

    expect(asked).toEqual([["log", "-1", "--format=%H %cI", SHA, "--"]]);
    expect(commit).toEqual({ sha: SHA, committedAt: new Date("2026-03-02T09:00:00Z") });
  });

  it("reads HEAD of this repository with the real git when GITHUB_SHA is not set", () => {
    const commit = readCommit({});

    expect(commit.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(commit.committedAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("explains what to do when git cannot find the commit", () => {
    expect(() =>
      readCommit({ GITHUB_SHA: SHA }, () => {
        throw new Error("fatal: bad object");
      }),
    ).toThrow(CommitLookupError);
  });
});

describe("defaultTimeoutSeconds", () => {
  it.each([
    ["dev", 15 * 60],
    ["test", 10 * 60 + 15 * 60],
    ["prod", 5 * 60 + 15 * 60],
  ] as const)("gives %s the shifting time plus 15 minutes", (stage, seconds) => {
    expect(defaultTimeoutSeconds(STAGES[stage])).toBe(seconds);
  });
});

describe("outcomeOf", () => {
  const snapshot = (overrides: Partial<DeploymentSnapshot>): DeploymentSnapshot => ({
    deploymentId: "d-1",
    status: "Succeeded",
    createdAt: undefined,
    completedAt: undefined,
    error: undefined,
    rollback: undefined,
    targetWeight: undefined,
    lifecycleEvents: [],
    ...overrides,
  });

  it("is rolled_back when CodeDeploy started a rollback deployment", () => {
    expect(
      outcomeOf(
        snapshot({ status: "Stopped", rollback: { deploymentId: "d-2", message: undefined } }),
      ),
    ).toBe("rolled_back");
  });

  it("is failed when it ended badly without a rollback deployment", () => {
    expect(
      outcomeOf(
        snapshot({ status: "Failed", rollback: { deploymentId: undefined, message: "x" } }),
      ),
    ).toBe("failed");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [42_400, "42s"],
    [65_000, "1m 05s"],
    [3_725_000, "1h 02m"],
  ])("formats %d ms as %s", (milliseconds, text) => {
    expect(formatDuration(milliseconds)).toBe(text);
  });
});
