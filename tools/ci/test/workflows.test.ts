// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions are literally ${{ ... }}
/**
 * The workflows, validated offline: the GitHub Actions schema (@action-validator/core), then what
 * a schema cannot check (pinning, permissions, roles, environments, promotion order).
 */
import { readFileSync } from "node:fs";
import { validateWorkflow } from "@action-validator/core";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { STAGE_NAMES } from "../../../stacks/config";

type Step = {
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly id?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
};
type Job = {
  readonly permissions?: Record<string, string> | string;
  readonly needs?: string | string[];
  readonly environment?: string | { name: string; url?: string };
  readonly steps?: Step[];
  readonly strategy?: { matrix: unknown };
  readonly env?: Record<string, string>;
  readonly if?: string;
  readonly outputs?: Record<string, string>;
  readonly "timeout-minutes"?: number;
};
type Workflow = {
  readonly on: Record<string, unknown>;
  readonly permissions: unknown;
  readonly env?: Record<string, string>;
  readonly concurrency: { group: string; "cancel-in-progress": boolean };
  readonly jobs: Record<string, Job>;
};

const FILES = [".github/workflows/pull-request.yml", ".github/workflows/release.yml"] as const;
const text = (file: string) => readFileSync(file, "utf8");
const load = (file: string) => parse(text(file)) as Workflow;
const pullRequest = load(FILES[0]);
const release = load(FILES[1]);

const steps = (job: Job | undefined) => job?.steps ?? [];
const usesOf = (job: Job | undefined, action: string) =>
  steps(job).filter((step) => step.uses?.startsWith(`${action}@`));
const needsOf = (job: Job | undefined) =>
  job?.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
const AWS_CREDENTIALS = "aws-actions/configure-aws-credentials";

describe.each(FILES)("%s", (file) => {
  const workflow = load(file);

  it("passes the GitHub Actions workflow schema", () => {
    const state = validateWorkflow(text(file));

    expect(state.errors).toEqual([]);
  });

  it("pins every third-party action to a full commit SHA with its release in a comment", () => {
    const lines = text(file)
      .split("\n")
      .filter((line) => /^\s*(-\s+)?uses:/.test(line));

    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const reference = line.replace(/^\s*(-\s+)?uses:\s*/, "");
      if (reference.startsWith("./")) continue;
      expect(reference, line).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it("grants nothing at the workflow level and sets permissions on every job", () => {
    expect(workflow.permissions).toEqual({});
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect(job.permissions, `job ${name}`).toBeTypeOf("object");
    }
  });

  it("asks for an OIDC token only in jobs that assume a role", () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const assumesRole = usesOf(job, AWS_CREDENTIALS).length > 0;
      const permissions = job.permissions as Record<string, string>;
      expect(permissions["id-token"] === "write", `job ${name}`).toBe(assumesRole);
    }
  });

  it("gives every job a time limit", () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect(job["timeout-minutes"], `job ${name}`).toBeGreaterThan(0);
    }
  });
});

describe("the action pins", () => {
  it("name one SHA per action across both workflows", () => {
    const pins = new Map<string, Set<string>>();
    for (const file of FILES) {
      for (const match of text(file).matchAll(/uses:\s*([\w.-]+\/[\w./-]+)@([0-9a-f]{40})/g)) {
        const [, action = "", sha = ""] = match;
        pins.set(action, new Set([...(pins.get(action) ?? []), sha]));
      }
    }

    expect(pins.size).toBeGreaterThanOrEqual(8);
    for (const [action, shas] of pins) expect(shas.size, action).toBe(1);
  });
});

describe("the schema validator", () => {
  it("rejects a job without runs-on, so its verdict on our files means something", () => {
    const broken = structuredClone(pullRequest) as unknown as {
      jobs: Record<string, Record<string, unknown>>;
    };
    delete broken.jobs.test?.["runs-on"];

    expect(validateWorkflow(stringify(broken)).errors.length).toBeGreaterThan(0);
  });
});

describe("pull-request.yml", () => {
  const jobs = pullRequest.jobs;

  it("runs on pull requests and cancels superseded runs of the same pull request", () => {
    expect(Object.keys(pullRequest.on)).toEqual(["pull_request"]);
    expect(pullRequest.concurrency.group).toContain("github.event.pull_request.number");
    expect(pullRequest.concurrency["cancel-in-progress"]).toBe(true);
  });

  it("tests and synthesizes before planning", () => {
    const runs = steps(jobs.test).map((step) => step.run ?? "");

    expect(runs).toEqual(expect.arrayContaining(["npm ci --no-audit --no-fund", "npm test"]));
    expect(runs.indexOf("npm test")).toBeLessThan(runs.indexOf("npm run synth"));
    expect(needsOf(jobs.plan)).toEqual(["test"]);
  });

  it("plans each stage of the matrix with that stage's plan role", () => {
    const [credentials] = usesOf(jobs.plan, AWS_CREDENTIALS);

    expect(jobs.plan?.strategy?.matrix).toBe("${{ fromJSON(needs.test.outputs.matrix) }}");
    expect(credentials?.with?.["role-to-assume"]).toBe("${{ matrix.planRoleArn }}");
    expect(JSON.stringify(jobs.plan)).not.toMatch(/deployRoleArn|deploy_role_arn/);
  });

  it("inits the real backend, plans to a file and uploads its JSON per stage", () => {
    const runs = steps(jobs.plan).map((step) => step.run ?? "");
    const [upload] = usesOf(jobs.plan, "actions/upload-artifact");

    expect(runs.some((run) => run.startsWith("terraform init"))).toBe(true);
    expect(runs.some((run) => run.includes("-backend=false"))).toBe(false);
    expect(runs.some((run) => /terraform plan .*-out=plan\.tfplan/.test(run))).toBe(true);
    expect(runs.some((run) => run.includes("terraform show -json plan.tfplan"))).toBe(true);
    expect(upload?.with?.name).toBe("plan-${{ matrix.stage }}");
  });

  it("writes to the pull request only from the comment job, which posts one sticky comment", () => {
    const writers = Object.entries(jobs)
      .filter(([, job]) => (job.permissions as Record<string, string>)["pull-requests"] === "write")
      .map(([name]) => name);
    const [sticky] = usesOf(jobs.comment, "marocchino/sticky-pull-request-comment");

    expect(writers).toEqual(["comment"]);
    expect(sticky?.with?.header).toBeTypeOf("string");
    expect(sticky?.with?.path).toBe("plan-summary.md");
    expect(jobs.comment?.if).toContain("always()");
  });

  it("summarizes every plan JSON with npm run plan-summary, expecting every stage", () => {
    const summarize = steps(jobs.comment).find((step) => step.run?.includes("plan-summary"));

    expect(summarize?.run).toContain(`--expect ${STAGE_NAMES.join(",")} plans/plan-*.json`);
  });

  it("replaces the sticky comment even when the tests failed, so it never shows an older commit's plans", () => {
    const summarize = steps(jobs.comment).find((step) => step.run?.includes("plan-summary"));

    expect(jobs.comment?.needs).toEqual(["test", "plan"]);
    expect(jobs.comment?.if).not.toContain("needs.plan.result");
    expect(summarize?.env?.TEST_RESULT).toBe("${{ needs.test.result }}");
    expect(summarize?.run).toContain('if [ "$TEST_RESULT" != "success" ]');
  });
});

describe("release.yml", () => {
  const jobs = release.jobs;
  const deployJobs = STAGE_NAMES.map((stage) => [stage, jobs[`deploy-${stage}`]] as const);

  it("runs on pushes to main, one at a time, never cancelling a deployment", () => {
    expect(release.on).toEqual({ push: { branches: ["main"] } });
    expect(release.concurrency["cancel-in-progress"]).toBe(false);
  });

  it("builds the image once, after the tests, for the configured platform, and outputs its digest", () => {
    const [push] = usesOf(jobs.build, "docker/build-push-action");
    const [credentials] = usesOf(jobs.build, AWS_CREDENTIALS);

    expect(needsOf(jobs.build)).toEqual(["test"]);
    expect(push?.with?.platforms).toBe("${{ steps.info.outputs.platform }}");
    expect(push?.with?.push).toBe(true);
    expect(push?.with?.tags).toMatch(/:\$\{\{ github\.sha \}\}$/);
    expect(push?.with?.provenance).toBe(false);
    expect(jobs.build?.outputs?.digest).toBe(`\${{ steps.${push?.id}.outputs.digest }}`);
    expect(credentials?.with?.["role-to-assume"]).toBe("${{ steps.info.outputs.build_role_arn }}");
    expect(usesOf(jobs.build, "docker/setup-buildx-action")).toHaveLength(1);
  });

  it("promotes dev, then test, then prod: each deploy needs the one before", () => {
    expect(needsOf(jobs["deploy-dev"])).toEqual(["build"]);
    expect(needsOf(jobs["deploy-test"])).toEqual(["build", "deploy-dev"]);
    expect(needsOf(jobs["deploy-prod"])).toEqual(["build", "deploy-test"]);
  });

  it.each(deployJobs)(
    "runs the %s deploy in the %s GitHub environment with its deploy role",
    (stage, job) => {
      const [credentials] = usesOf(job, AWS_CREDENTIALS);

      expect(job?.environment).toMatchObject({ name: stage });
      expect(job?.env?.STAGE).toBe(stage);
      expect(job?.env?.IMAGE_DIGEST).toBe("${{ needs.build.outputs.digest }}");
      expect(credentials?.with?.["role-to-assume"]).toBe(
        "${{ steps.info.outputs.deploy_role_arn }}",
      );
    },
  );

  it.each(deployJobs)(
    "deploys, releases, smoke-checks, then reports %s, in that order",
    (stage, job) => {
      const runs = steps(job).map((step) => step.run ?? "");
      const index = (pattern: RegExp) => runs.findIndex((run) => pattern.test(run));

      const deploy = index(/npx cdktf deploy "\$STAGE" --auto-approve/);
      const releaseCommand = index(
        /npm run release -- --stage "\$STAGE" --record "deployment-\$STAGE\.jsonl"/,
      );
      const smoke = index(
        /tools\/ci\/smoke-check\.ts .*--expect-version "\$IMAGE_TAG" --timeout \d+/,
      );
      const notify = index(/tools\/ci\/notify\.ts/);

      expect([deploy, releaseCommand, smoke, notify].every((position) => position >= 0)).toBe(true);
      expect(deploy).toBeLessThan(releaseCommand);
      expect(releaseCommand).toBeLessThan(smoke);
      expect(smoke).toBeLessThan(notify);
      expect(steps(job)[notify]?.if).toBe("always()");
      expect(release.env).toMatchObject({ IMAGE_TAG: "${{ github.sha }}" });
      expect(stage).toBe(job?.env?.STAGE);
    },
  );

  it.each(deployJobs)(
    "keeps the %s deployment record as an artifact even when the release fails",
    (stage, job) => {
      const [upload] = usesOf(job, "actions/upload-artifact");

      expect(upload?.if).toBe("always()");
      expect(upload?.with?.path).toBe(`deployment-${stage}.jsonl`);
    },
  );

  it("asks for no pull-request or contents write anywhere", () => {
    for (const [name, job] of Object.entries(jobs)) {
      const permissions = job.permissions as Record<string, string>;
      expect(permissions.contents, name).toBe("read");
      expect(permissions["pull-requests"], name).toBeUndefined();
    }
  });
});

describe("the state lock belongs to applies", () => {
  const stepsOf = (file: string): Step[] =>
    Object.values((parse(text(file)) as Workflow).jobs).flatMap((job) => job.steps ?? []);

  it("plans every pull request without taking the lock", () => {
    const plans = stepsOf(".github/workflows/pull-request.yml").filter((step) =>
      /terraform plan\b/.test(step.run ?? ""),
    );
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) {
      expect(plan.run).toContain("-lock=false");
      expect(plan.run).not.toMatch(/-lock-timeout/);
    }
  });

  it("makes every release apply wait 10 minutes for the lock", () => {
    const deploys = stepsOf(".github/workflows/release.yml").filter((step) =>
      /cdktf deploy\b/.test(step.run ?? ""),
    );
    expect(deploys.map((step) => step.env?.TF_CLI_ARGS_apply)).toEqual(
      STAGE_NAMES.map(() => "-lock-timeout=10m"),
    );
    expect(deploys.map((step) => step.env?.TF_CLI_ARGS_plan)).toEqual(
      STAGE_NAMES.map(() => "-lock-timeout=10m"),
    );
  });
});
