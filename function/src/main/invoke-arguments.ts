/**
 * The command line of `npm run invoke`: an event file, or flags describing an HTTP request from
 * which the Function URL event is built.
 */
import type { LambdaFunctionURLEvent } from "aws-lambda";
import { type ClientRequest, clientRequestToFunctionUrlEvent } from "../adapters/client-request.js";

export const INVOKE_USAGE = `usage: npm run invoke -- <event.json>
       npm run invoke -- [--method GET|POST|...] [--path /path?query] [--body '{"user":"Ada"}'] [--header name:value]...
  --method  the HTTP method (default: POST with --body, else GET)
  --path    the path and query string, starting with / (default: /)
  --body    the request body as text; JSON gets content-type application/json unless --header sets one
  --header  a request header, repeatable
`;

/** The command line is wrong; the message names the flag and what was expected. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** An HTTP request described by flags. */
export type InvokeRequest = ClientRequest;

export type InvokeArguments =
  | { readonly kind: "help" }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "request"; readonly request: InvokeRequest };

const FLAGS = ["--method", "--path", "--body", "--header"] as const;
type Flag = (typeof FLAGS)[number];
// RFC 9110 token: what a method or a header name may contain.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Reads the arguments after `npm run invoke --`. Throws a `UsageError` naming the flag at fault.
 *
 * @example parseInvokeArguments(["--method", "POST", "--body", '{"user":"Ada"}'])
 */
export function parseInvokeArguments(args: readonly string[]): InvokeArguments {
  if (args.length === 0) throw new UsageError("give an event file or flags");
  if (args.includes("--help") || args.includes("-h")) return { kind: "help" };
  const [first] = args;
  if (first !== undefined && !first.startsWith("-")) {
    if (args.length > 1) {
      throw new UsageError(
        `give either an event file or flags, not both (got ${JSON.stringify(args[1])} after the file)`,
      );
    }
    return { kind: "file", path: first };
  }
  const single = new Map<Flag, string>();
  const headers: Record<string, string> = {};
  for (let index = 0; index < args.length; index += 1) {
    const argument = args[index] as string;
    const equals = argument.indexOf("=");
    const name = equals === -1 ? argument : argument.slice(0, equals);
    if (!isFlag(name)) {
      throw new UsageError(
        argument.startsWith("-")
          ? `unknown flag ${name}; the flags are ${FLAGS.join(", ")}`
          : `unexpected argument ${JSON.stringify(argument)}; an event file cannot be combined with flags`,
      );
    }
    let value: string | undefined;
    if (equals !== -1) value = argument.slice(equals + 1);
    else {
      value = args[index + 1];
      index += 1;
    }
    if (value === undefined || (equals === -1 && isFlag(value))) {
      throw new UsageError(`${name} needs a value`);
    }
    if (name === "--header") {
      const [headerName, headerValue] = parseHeader(value);
      if (Object.hasOwn(headers, headerName)) {
        throw new UsageError(`--header ${headerName} is given twice; join the values with a comma`);
      }
      // defineProperty: a header named __proto__ must stay an ordinary key.
      Object.defineProperty(headers, headerName, {
        value: headerValue,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      continue;
    }
    if (single.has(name)) throw new UsageError(`${name} is given twice`);
    single.set(name, value);
  }
  const body = single.get("--body");
  const method = (single.get("--method") ?? (body === undefined ? "GET" : "POST")).toUpperCase();
  if (!TOKEN.test(method)) {
    throw new UsageError(
      `--method must be an HTTP method such as GET or POST, got ${JSON.stringify(method)}`,
    );
  }
  const target = single.get("--path") ?? "/";
  if (!target.startsWith("/") || /\s/.test(target)) {
    throw new UsageError(
      `--path must start with / and contain no spaces (e.g. /health or /?x=1), got ${JSON.stringify(target)}`,
    );
  }
  if (body !== undefined && headers["content-type"] === undefined && looksLikeJson(body)) {
    headers["content-type"] = "application/json";
  }
  return { kind: "request", request: { method, target, headers, body } };
}

/**
 * The Function URL (payload 2.0) event AWS would send for the request: built by the converter
 * the local server uses, so `invoke` and `npm start` see the same event for the same request.
 */
export function invokeRequestToEvent(
  request: InvokeRequest,
  requestId: string,
  receivedAt: Date,
): LambdaFunctionURLEvent {
  return clientRequestToFunctionUrlEvent(request, requestId, receivedAt, {
    host: "localhost",
    userAgent: "npm-run-invoke",
  });
}

function isFlag(name: string): name is Flag {
  return (FLAGS as readonly string[]).includes(name);
}

function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(":");
  const name = colon === -1 ? "" : text.slice(0, colon).trim().toLowerCase();
  if (colon === -1 || !TOKEN.test(name)) {
    throw new UsageError(
      `--header must look like name:value (e.g. x-trace:abc), got ${JSON.stringify(text)}`,
    );
  }
  return [name, text.slice(colon + 1).trim()];
}

function looksLikeJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
