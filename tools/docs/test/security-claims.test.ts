/**
 * docs/security.md may say "cannot", "only" or "never" only when a test proves it: every row names
 * a test file and the test's name. This check keeps those names real, so a renamed or deleted test
 * takes its claim with it.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

interface Claim {
  readonly statement: string;
  readonly file: string;
  readonly testNames: readonly string[];
}

/** Rows of the page's tables: `| statement | `file`: "test name", "another test name" |`. */
function claimsIn(markdown: string): Claim[] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("| ") && !/^\|\s*(-|Statement)/.test(line))
    .map((line) => {
      const [statement = "", proof = ""] = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim());
      return {
        statement,
        file: /^`([^`]+)`:/.exec(proof)?.[1] ?? "",
        testNames: [...proof.matchAll(/"([^"]+)"/g)].map((match) =>
          (match[1] ?? "").replace(/\\(.)/g, "$1"),
        ),
      };
    });
}

/** A test name as it appears in the source; `<stage>` stands for a template placeholder. */
function appearsIn(source: string, testName: string): boolean {
  const pattern = testName
    .split("<stage>")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("(?:\\$\\{\\w+\\}|%s)");
  return new RegExp(pattern).test(source);
}

const claims = claimsIn(readFileSync(join(root, "docs", "security.md"), "utf8"));

describe("docs/security.md", () => {
  it("has claims to check", () => {
    expect(claims.length).toBeGreaterThan(10);
  });

  it.each(claims.map((claim) => [claim.statement, claim]))(
    "proves %s with a test that exists",
    (_statement, claim) => {
      expect(claim.file, "the row names no test file").toMatch(/\.test\.ts$/);
      expect(existsSync(join(root, claim.file)), `${claim.file} does not exist`).toBe(true);
      expect(claim.testNames.length, "the row names no test").toBeGreaterThan(0);
      const source = readFileSync(join(root, claim.file), "utf8");
      const missing = claim.testNames.filter((name) => !appearsIn(source, name));
      expect(missing, `not in ${claim.file}`).toEqual([]);
    },
  );
});

describe("the claim check itself", () => {
  it("reads a row's file and every quoted test name", () => {
    const [claim] = claimsIn('| It is safe. | `a/b.test.ts`: "one \\_\\_proto\\_\\_", "two" |');

    expect(claim).toEqual({
      statement: "It is safe.",
      file: "a/b.test.ts",
      testNames: ["one __proto__", "two"],
    });
  });

  it("matches a <stage> placeholder against a template literal, and nothing else", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text stands for test source holding a template literal
    const source = "it(`trust only the ${stage} GitHub environment`, () => {});";

    expect(appearsIn(source, "trust only the <stage> GitHub environment")).toBe(true);
    expect(appearsIn(source, "trust only the prod GitHub environment")).toBe(false);
  });
});
