/**
 * The shared repository's lifecycle, evaluated the way ECR documents it on a repository's
 * history: which images it expires when a stage falls far behind, and which it keeps.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  imageLifecycleRules,
  type LifecycleRule,
  RELEASE_TAG_PREFIX,
  releaseTag,
} from "../constructs/image-repository";

interface Image {
  readonly digest: string;
  readonly tags: readonly string[];
  readonly pushedDaysAgo: number;
}

const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(value);

/** Whether a rule's tag selection matches the image (every pattern must match one of its tags). */
function selects(rule: LifecycleRule, image: Image): boolean {
  const { tagStatus, tagPatternList = [] } = rule.selection;
  if (tagStatus === "untagged") return image.tags.length === 0;
  if (tagStatus === "any") return true;
  return (
    image.tags.length > 0 &&
    tagPatternList.every((pattern) => image.tags.some((tag) => glob(pattern, tag)))
  );
}

/**
 * The digests the rules expire, per ECR's evaluation rules: rules apply lowest priority number
 * first; an image matched by a rule's tag selection is never expired by a lower-priority rule; a
 * count rule keeps the newest `countNumber` images it selects; an age rule expires the ones pushed
 * more than `countNumber` days ago.
 */
function expiredBy(rules: readonly LifecycleRule[], images: readonly Image[]): Set<string> {
  const shielded = new Set<string>();
  const expired = new Set<string>();
  for (const rule of [...rules].sort((a, b) => a.rulePriority - b.rulePriority)) {
    const selected = images.filter((image) => selects(rule, image));
    const { countType, countNumber } = rule.selection;
    const candidates =
      countType === "imageCountMoreThan"
        ? [...selected].sort((a, b) => a.pushedDaysAgo - b.pushedDaysAgo).slice(countNumber)
        : selected.filter((image) => image.pushedDaysAgo > countNumber);
    for (const image of candidates) if (!shielded.has(image.digest)) expired.add(image.digest);
    for (const image of selected) shielded.add(image.digest);
  }
  return expired;
}

/** What the release workflow pushes for commit `sha`: its commit tag and its release tag. */
const released = (sha: string, pushedDaysAgo: number): Image => ({
  digest: `sha256:${sha}`,
  tags: [sha, releaseTag(sha)],
  pushedDaysAgo,
});

describe("the image lifecycle", () => {
  const rules = imageLifecycleRules({ repositoryName: "repository" });

  it("keeps the image a waiting prod runs, however many releases and days come after it", () => {
    const prodImage = released("prod0", 400);
    const later = Array.from({ length: 500 }, (_, index) => released(`dev${index}`, index % 400));

    const expired = expiredBy(rules, [prodImage, ...later]);

    expect(expired.has(prodImage.digest)).toBe(false);
    expect(expired.size).toBe(0);
  });

  it("keeps a released image although its commit tag alone would have expired", () => {
    const image = released("abc123", 90);

    expect(expiredBy(rules, [image]).size).toBe(0);
  });

  it("expires untagged images after 7 days and never-released tagged ones after 30", () => {
    const images: Image[] = [
      { digest: "untagged-old", tags: [], pushedDaysAgo: 8 },
      { digest: "untagged-new", tags: [], pushedDaysAgo: 6 },
      { digest: "unreleased-old", tags: ["experiment"], pushedDaysAgo: 31 },
      { digest: "unreleased-new", tags: ["experiment-2"], pushedDaysAgo: 29 },
    ];

    expect([...expiredBy(rules, images)].sort()).toEqual(["unreleased-old", "untagged-old"]);
  });

  it("expires a released image only behind releasedImagesKept newer releases", () => {
    const few = imageLifecycleRules({ repositoryName: "repository", releasedImagesKept: 2 });
    const images = [released("a", 3), released("b", 2), released("c", 1)];

    expect([...expiredBy(few, images)]).toEqual(["sha256:a"]);
  });
});

describe("the release workflow's build", () => {
  it(`pushes the ${RELEASE_TAG_PREFIX}<commit> tag the lifecycle keeps, with the commit tag`, () => {
    const workflow = parse(readFileSync(".github/workflows/release.yml", "utf8")) as {
      jobs: { build: { steps: { uses?: string; with?: { tags?: string } }[] } };
    };
    const push = workflow.jobs.build.steps.find((step) =>
      step.uses?.startsWith("docker/build-push-action@"),
    );
    const tags = String(push?.with?.tags)
      .split(/[\n,]/)
      .map((tag) => tag.trim().split(":").slice(1).join(":"))
      .filter(Boolean);

    const commit = ["$", "{{ github.sha }}"].join("");

    expect(tags.sort()).toEqual([releaseTag(commit), commit].sort());
  });
});
