/**
 * The AfterAllowTraffic URL smoke: once CodeDeploy has shifted all the traffic, call the stage's
 * real Function URL until it answers with the new version, then send it the same smoke checks the
 * pre-traffic hook sent to the version directly (the pipeline's and the service's). What a client
 * meets at the URL (the alias, the URL config and auth, the public permission) is what
 * is checked. A failure makes the hook report `Failed`, so CodeDeploy rolls back.
 *
 * A public (authType NONE) URL needs no AWS rights: the hook calls it like any client. Knowing
 * which `version` to expect takes the AppSpec (GetDeployment) and the target version's `VERSION`
 * (GetFunctionConfiguration), the same ports the pre-traffic check uses.
 */
import type { SmokeCheck } from "../../src/service-definition.js";
import { parseAppSpecTarget } from "./appspec.js";
import type { HookCheck } from "./lifecycle.js";
import type { PreTrafficPorts } from "./pre-traffic.js";
import { runSmokeChecks, smokeHttpRequest } from "./smoke.js";

/** One HTTP answer from the URL (body as text, header names in lower case). */
export interface UrlAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface UrlRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export interface UrlSmokePorts extends Pick<PreTrafficPorts, "deploymentAppSpec" | "versionLabel"> {
  /** One HTTP request to the URL; rejects when no answer came (network, abort, timeout). */
  request(url: string, init: UrlRequest, signal: AbortSignal): Promise<UrlAnswer>;
  /** Waits between two looks at the URL; rejects when the signal aborts. */
  sleep(milliseconds: number, signal: AbortSignal): Promise<void>;
}

export interface UrlSmokeOptions {
  /** The stage's Function URL (`https://<id>.lambda-url.<region>.on.aws/`). */
  readonly functionUrl: string;
  /** The service's smoke checks (`service.smokeChecks`); the pipeline's run first. */
  readonly smokeChecks: readonly SmokeCheck[];
  /** Looks at `GET /health` before giving up on the new version. @default 10 */
  readonly maxAttempts?: number;
  /** Wait between two looks while the URL still answers with another version. @default 2000 */
  readonly intervalMs?: number;
}

/** The function's own default when `VERSION` is unset (function/src/config.ts). */
const DEFAULT_VERSION_LABEL = "dev-manual";

/**
 * The URL smoke as a hook check: looks at `GET /health` on the URL (at most `maxAttempts` times,
 * and never past the hook's deadline, which aborts `signal`) until it reports the target
 * version's `VERSION`, then runs every smoke check through the URL.
 *
 * @example createUrlSmokeCheck({ ...awsPreTrafficPorts(clients), ...fetchUrlPorts() }, { functionUrl, smokeChecks: service.smokeChecks })
 */
export function createUrlSmokeCheck(ports: UrlSmokePorts, options: UrlSmokeOptions): HookCheck {
  const maxAttempts = options.maxAttempts ?? 10;
  const intervalMs = options.intervalMs ?? 2000;
  const urlOf = (path: string) => new URL(path, options.functionUrl).toString();
  return async (deploymentId, signal) => {
    const target = parseAppSpecTarget(await ports.deploymentAppSpec(deploymentId, signal));
    const label =
      (await ports.versionLabel(target.functionName, target.targetVersion, signal)) ??
      DEFAULT_VERSION_LABEL;
    const subject = `the Function URL of ${target.functionName}`;

    // The alias may take a moment to route every request to the new version.
    let seen = "no answer";
    let reported = false;
    for (let attempt = 1; attempt <= maxAttempts && !signal.aborted; attempt += 1) {
      try {
        const answer = await ports.request(
          urlOf("/health"),
          { method: "GET", headers: { accept: "application/json" }, body: undefined },
          signal,
        );
        const version = versionOf(answer.body);
        if (answer.status === 200 && version === label) {
          reported = true;
          break;
        }
        seen = `HTTP ${answer.status}, ${version === undefined ? "no version" : "another version"}`;
      } catch (error) {
        seen = `no answer (${error instanceof Error ? error.name : "a non-Error"})`;
      }
      if (attempt === maxAttempts) break;
      try {
        await ports.sleep(intervalMs, signal);
      } catch {
        break;
      }
    }
    if (!reported) {
      return {
        passed: false,
        reasons: [
          `${subject} did not report version ${target.targetVersion} (${label}) within ${maxAttempts} looks and the hook's time; last: ${seen}`,
        ],
      };
    }

    const report = await runSmokeChecks(
      options.smokeChecks,
      async (check) => {
        const request = smokeHttpRequest(check);
        try {
          const answer = await ports.request(urlOf(request.path), request, signal);
          return {
            answer: { statusCode: answer.status, headers: answer.headers, body: answer.body },
            problems: [],
          };
        } catch (error) {
          const name = error instanceof Error ? error.name : "a non-Error";
          return { answer: undefined, problems: [`no answer from the URL (${name})`] };
        }
      },
      { version: label },
    );
    const served = `${subject} serves version ${target.targetVersion} (${label})`;
    return report.passed
      ? { passed: true, reasons: [`${served} and passed ${report.checked} smoke checks`] }
      : { passed: false, reasons: [`${served} but failed the smoke checks`, ...report.problems] };
  };
}

/** The `version` field of a JSON body, `undefined` when there is none (never throws). */
function versionOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      const version = (parsed as Record<string, unknown>).version;
      return typeof version === "string" ? version : undefined;
    }
  } catch {
    // not JSON
  }
  return undefined;
}

/** One request never takes the whole hook's time. */
const REQUEST_TIMEOUT_MS = 10_000;

/** `request` and `sleep` over the runtime's `fetch` and timers: no SDK, no AWS credentials. */
export function fetchUrlPorts(): Pick<UrlSmokePorts, "request" | "sleep"> {
  return {
    async request(url, init, signal) {
      const response = await fetch(url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        // A redirect is an answer to check, not one to follow.
        redirect: "manual",
        signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return { status: response.status, headers, body: await response.text() };
    },
    sleep: (milliseconds, signal) =>
      new Promise((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        const timer = setTimeout(resolve, milliseconds);
        signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            reject(signal.reason);
          },
          { once: true },
        );
      }),
  };
}
