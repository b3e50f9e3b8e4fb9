import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeftBehindError, removeCheckingNothingLeftBehind } from "./support/global-setup";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "suite-temp-check-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("the suite's temp folder check", () => {
  it("runs the tests in a temp folder of their own", () => {
    expect(realpathSync(tmpdir())).toMatch(/agnostic-lambda-core-tests-[^/]+$/);
  });

  it("fails the run naming every entry a test left behind, then removes them", () => {
    const folder = join(root, "leaky");
    mkdirSync(join(folder, "cdktf.outdir.abc123"), { recursive: true });
    writeFileSync(join(folder, "plan-summary-xyz"), "");

    expect(() => removeCheckingNothingLeftBehind(folder)).toThrow(LeftBehindError);
    expect(existsSync(folder)).toBe(false);

    mkdirSync(join(folder, "cdktf.outdir.abc123"), { recursive: true });
    writeFileSync(join(folder, "plan-summary-xyz"), "");
    expect(() => removeCheckingNothingLeftBehind(folder)).toThrow(
      "tests left 2 entries in the temp folder (now removed): cdktf.outdir.abc123, plan-summary-xyz",
    );
  });

  it("passes when the tests left only tsx's compile cache, and removes it", () => {
    const folder = join(root, "clean");
    mkdirSync(join(folder, "tsx-0"), { recursive: true });

    expect(() => removeCheckingNothingLeftBehind(folder)).not.toThrow();
    expect(existsSync(folder)).toBe(false);
  });
});
