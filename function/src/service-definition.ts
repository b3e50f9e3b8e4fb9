/**
 * What a service declares about itself (see service.ts): the core behind `/`, built once at
 * start-up, and the smoke checks a new version must pass before it gets traffic.
 */
import type { Core, JsonObject } from "./core/contract.js";

/** Environment variables as the entry points read them (`process.env`). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A request a smoke check sends to the new version. */
export interface SmokeRequest {
  /** Upper case, e.g. `"POST"`. */
  readonly method: string;
  /** The path, with a query string if any: `/`, `/users?id=1`. */
  readonly path: string;
  /** Extra request headers (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON object is sent as JSON (content-type application/json); a string is sent as is. */
  readonly body?: JsonObject | string;
}

/** What the answer to a smoke request must satisfy, on top of the contract every answer keeps. */
export interface SmokeExpectation {
  readonly status: number;
  /**
   * Fields the JSON body must hold with these values; nested objects match the same way (only
   * the fields listed), arrays and other values must be equal.
   * @example { result: { user: { id: "u-1" } } }
   */
  readonly body?: JsonObject;
  /**
   * Anything else the body must satisfy. Return a short problem (it goes into the release log,
   * so it should not quote the body) or `undefined` when the body is fine.
   * @example (body) => typeof body.result === "object" ? undefined : "result is not an object"
   */
  readonly satisfies?: (body: JsonObject) => string | undefined;
}

/** One smoke request and what its answer must satisfy. */
export interface SmokeCheck {
  /** Names the check in the release log, e.g. "POST / greets the smoke user". */
  readonly name: string;
  readonly request: SmokeRequest;
  readonly expect: SmokeExpectation;
}

export interface ServiceDefinition {
  /**
   * Builds the core once, when the runtime loads the function: read configuration (with
   * `readVariable`, which names a bad variable), create SDK clients, and hand the core its ports.
   */
  readonly createCore: (env: Environment) => Core;
  /**
   * The requests that prove a new version works: the pre-traffic hook sends them to the new
   * version before it gets any traffic, and a release can send them through the Function URL.
   * The pipeline's own checks (`/health`, a 404, headers, envelope, `version`) run as well.
   */
  readonly smokeChecks: readonly SmokeCheck[];
}

/** A service definition is malformed; the message names the field. */
export class ServiceDefinitionError extends Error {
  override readonly name = "ServiceDefinitionError";
}

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Z-]+$/;

/**
 * Checks a service definition once, at load time, and returns it frozen. Throws a
 * `ServiceDefinitionError` naming the field at fault.
 *
 * @example export const service = defineService({ createCore: () => greetingCore, smokeChecks: [...] });
 */
export function defineService(definition: ServiceDefinition): ServiceDefinition {
  const problems: string[] = [];
  if (typeof definition.createCore !== "function") {
    problems.push("createCore must be a function (env) => Core");
  }
  if (!Array.isArray(definition.smokeChecks)) {
    problems.push("smokeChecks must be an array (it may be empty)");
  } else {
    const names = new Set<string>();
    definition.smokeChecks.forEach((check, index) => {
      const at = `smokeChecks[${index}]`;
      if (typeof check.name !== "string" || check.name.trim() === "") {
        problems.push(`${at}.name must be a non-empty string`);
      } else if (names.has(check.name)) {
        problems.push(`${at}.name "${check.name}" is used twice; names must be unique`);
      } else names.add(check.name);
      if (typeof check.request?.method !== "string" || !METHOD.test(check.request.method)) {
        problems.push(`${at}.request.method must be an upper-case HTTP method such as GET or POST`);
      }
      if (typeof check.request?.path !== "string" || !check.request.path.startsWith("/")) {
        problems.push(`${at}.request.path must start with /`);
      }
      const status = check.expect?.status;
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        problems.push(`${at}.expect.status must be an HTTP status from 100 to 599`);
      }
    });
  }
  if (problems.length > 0) {
    throw new ServiceDefinitionError(`the service definition is invalid: ${problems.join("; ")}`);
  }
  return Object.freeze({ ...definition, smokeChecks: Object.freeze([...definition.smokeChecks]) });
}
