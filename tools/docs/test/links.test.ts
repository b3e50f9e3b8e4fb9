/**
 * Keeps the front door and docs/ honest: every relative link (file and #anchor) in README.md and
 * docs/*.md resolves, README.md stays a front door (at most 250 lines), and every `npm run <name>`
 * the pages mention is a script in package.json, while every script is in the README's command table.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const docsDirectory = join(root, "docs");
const pages = [
  join(root, "README.md"),
  ...readdirSync(docsDirectory)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join(docsDirectory, name)),
];

/** The Markdown outside fenced code blocks: links and headings inside fences are not links. */
function withoutCodeBlocks(markdown: string): string {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker?.startsWith(fence)) fence = undefined;
      lines.push("");
    } else if (marker !== undefined) {
      fence = marker;
      lines.push("");
    } else {
      lines.push(line);
    }
  }
  return lines.join("\n");
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCodeBlocks(markdown).split("\n")) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, "")
      .toLowerCase();
    const slug = text.replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

interface Link {
  readonly page: string;
  readonly target: string;
}

/** Relative link targets in Markdown text, leaving out code blocks, inline code and URLs. */
function relativeTargetsIn(markdown: string): string[] {
  const text = withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, "");
  const targets = [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map(
      (match) => match[1],
    ),
  ];
  return targets
    .filter((target): target is string => target !== undefined)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

function relativeLinksOf(page: string): Link[] {
  return relativeTargetsIn(readFileSync(page, "utf8")).map((target) => ({ page, target }));
}

function brokenReason(link: Link): string | undefined {
  const [pathPart = "", anchor] = link.target.split("#", 2);
  const file = pathPart === "" ? link.page : resolve(dirname(link.page), decodeURI(pathPart));
  if (!existsSync(file)) return `${relative(root, file)} does not exist`;
  if (anchor === undefined || anchor === "") return undefined;
  if (statSync(file).isDirectory() || !file.endsWith(".md")) {
    return `#${anchor} points into ${relative(root, file)}, which is not a Markdown page`;
  }
  if (!anchorsOf(readFileSync(file, "utf8")).has(decodeURIComponent(anchor).toLowerCase())) {
    return `${relative(root, file)} has no heading with the anchor #${anchor}`;
  }
  return undefined;
}

describe("README.md and docs/", () => {
  it("has a docs/ page for each topic the README links to", () => {
    expect(pages.length).toBeGreaterThan(1);
  });

  it.each(pages.map((page) => [relative(root, page), page]))(
    "%s: every relative link and anchor resolves",
    (_name, page) => {
      const broken = relativeLinksOf(page)
        .map((link) => ({ link: link.target, reason: brokenReason(link) }))
        .filter((entry) => entry.reason !== undefined);
      expect(broken).toEqual([]);
    },
  );

  it("names only repository paths that exist", () => {
    const repositoryPath =
      /^(?:function|stacks|tools|bench|packages|docs|\.github|\.ci)\/[\w./-]*$/;
    const missing = pages.flatMap((page) =>
      [...readFileSync(page, "utf8").matchAll(/`([^`\s]+)`/g)]
        .map((match) => (match[1] ?? "").replace(/:.*$/, ""))
        .filter((path) => repositoryPath.test(path) && !existsSync(join(root, path)))
        .map((path) => `${relative(root, page)}: ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it("keeps README.md a front door of at most 250 lines", () => {
    const lines = readFileSync(join(root, "README.md"), "utf8").trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(250);
  });

  it("names only npm scripts that exist, and the README's command table names every one", () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: object }).scripts,
    );
    const mentioned = new Set(
      pages.flatMap((page) =>
        [...readFileSync(page, "utf8").matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]),
      ),
    );
    expect([...mentioned].filter((name) => !scripts.includes(name as string))).toEqual([]);

    const readme = readFileSync(join(root, "README.md"), "utf8");
    const inReadme = (name: string) =>
      readme.includes(`npm run ${name}`) ||
      ((name === "test" || name === "start") && readme.includes(`npm ${name}`));
    expect(scripts.filter((name) => !inReadme(name))).toEqual([]);
  });
});

describe("the link check itself", () => {
  const page = join(root, "README.md");

  it("finds a link to a missing file", () => {
    expect(brokenReason({ page, target: "docs/no-such-page.md" })).toMatch(/does not exist/);
  });

  it("finds an anchor that no heading has", () => {
    expect(brokenReason({ page, target: "#no-such-heading-anywhere" })).toMatch(/no heading/);
  });

  it("derives GitHub's anchors, numbering repeats and ignoring code blocks", () => {
    const anchors = anchorsOf(
      "# Bring your own `core`!\n## Tests\n## Tests\n```sh\n# not a heading\n```\n",
    );
    expect([...anchors]).toEqual(["bring-your-own-core", "tests", "tests-1"]);
  });

  it("reads relative links and reference definitions, not code or URLs", () => {
    const markdown = [
      "See [a](docs/a.md#x) and `[b](b.md)` or [c](https://example.com).",
      "```md",
      "[d](d.md)",
      "```",
      "[e]: docs/e.md",
    ].join("\n");
    expect(relativeTargetsIn(markdown)).toEqual(["docs/a.md#x", "docs/e.md"]);
  });
});
