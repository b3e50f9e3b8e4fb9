import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { loadPlans, main, parsePlanArgument, UsageError } from "../cli";
import { PlanFileError, parsePlan } from "../plan";
import { makeChange, makePlan } from "./support/plans";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "plan-summary-cli-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function tempDirectory(): string {
  return mkdtempSync(join(root, "case-"));
}

function writePlanFile(directory: string, name: string, content: unknown): string {
  const file = join(directory, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("parsePlanArgument", () => {
  it("takes the stage from a stage=path argument", () => {
    expect(parsePlanArgument("prod=out/any-name.json")).toEqual({
      stage: "prod",
      file: "out/any-name.json",
    });
  });

  it("takes the stage from a plan-<stage>.json file name", () => {
    expect(parsePlanArgument("plans/plan-test.json")).toEqual({
      stage: "test",
      file: "plans/plan-test.json",
    });
  });

  it("leaves the stage to the plan for any other file name", () => {
    expect(parsePlanArgument("plans/tfplan.json").stage).toBeUndefined();
  });

  it("rejects a stage that is not a plain name", () => {
    expect(() => parsePlanArgument("Prod Stage=x.json")).toThrow(UsageError);
  });
});

describe("parsePlan", () => {
  it("names the file and says the text is not JSON", () => {
    expect(() => parsePlan("{ nope", "plans/plan-dev.json")).toThrow(
      /^plans\/plan-dev\.json: is not valid JSON/,
    );
  });

  it("recognises a state file given by mistake", () => {
    expect(() =>
      parsePlan(JSON.stringify({ format_version: "1.0", values: {} }), "s.json"),
    ).toThrow("s.json: is a state, not a plan");
  });

  it("rejects a resource change without valid actions, naming its address", () => {
    const plan = makePlan([makeChange("aws_sns_topic.a", ["explode" as "create"])]);

    expect(() => parsePlan(JSON.stringify(plan), "p.json")).toThrow(
      'p.json: resource_changes[0] (aws_sns_topic.a) has no valid "change.actions"',
    );
  });

  it("rejects an unsupported format version", () => {
    expect(() => parsePlan(JSON.stringify({ format_version: "2.0" }), "p.json")).toThrow(
      'has format_version "2.0"',
    );
  });
});

describe("loadPlans", () => {
  it("takes the stage from the plan's provider default_tags when the file name has none", async () => {
    const directory = tempDirectory();
    const plan = {
      ...makePlan([]),
      configuration: {
        provider_config: {
          aws: {
            name: "aws",
            expressions: { default_tags: [{ tags: { constant_value: { stage: "test" } } }] },
          },
        },
      },
    };
    const file = writePlanFile(directory, "tfplan.json", plan);

    const [loaded] = await loadPlans([file]);

    expect(loaded?.stage).toBe("test");
  });

  it("fails naming the file when no stage can be found", async () => {
    const file = writePlanFile(tempDirectory(), "tfplan.json", makePlan([]));

    await expect(loadPlans([file])).rejects.toThrow(`${file}: names no stage`);
  });

  it("fails naming the file when it cannot be read", async () => {
    const file = join(tempDirectory(), "plan-dev.json");

    await expect(loadPlans([file])).rejects.toThrow(
      new PlanFileError(file, "cannot be read (ENOENT)"),
    );
  });

  it("rejects two plans for the same stage", async () => {
    const directory = tempDirectory();
    const first = writePlanFile(directory, "plan-dev.json", makePlan([]));
    const second = writePlanFile(directory, "other.json", makePlan([]));

    await expect(loadPlans([first, `dev=${second}`])).rejects.toThrow(
      'is a second plan for stage "dev"',
    );
  });
});

describe("main", () => {
  let stdout: string[];
  let stderr: string[];
  beforeEach(() => {
    stdout = [];
    stderr = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it("prints the summary and exits 0", async () => {
    const file = writePlanFile(
      tempDirectory(),
      "plan-dev.json",
      makePlan([makeChange("aws_sns_topic.a", ["create"])]),
    );

    const code = await main(["--expect", "dev,prod", file]);

    expect(code).toBe(0);
    expect(stdout.join("")).toContain("| dev | 1 | 0 | 0 | 0 |");
    expect(stdout.join("")).toContain("> **prod**: no plan.");
  });

  it("exits 1 with the file's name for an invalid plan", async () => {
    const file = writePlanFile(tempDirectory(), "plan-dev.json", "[]");

    const code = await main([file]);

    expect(code).toBe(1);
    expect(stderr.join("")).toContain(`${file}: is not a JSON object`);
  });

  it("exits 2 with the usage when no file is given", async () => {
    const code = await main([]);

    expect(code).toBe(2);
    expect(stderr.join("")).toContain("no plan files given");
  });
});

describe("main with --expect and no plan files", () => {
  afterEach(() => vi.restoreAllMocks());

  it("still prints a summary saying every expected stage has no plan", async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });

    const code = await main(["--expect", "dev,test"]);

    expect(code).toBe(0);
    expect(written.join("")).toContain("> **dev**: no plan.");
    expect(written.join("")).toContain("> **test**: no plan.");
  });
});
