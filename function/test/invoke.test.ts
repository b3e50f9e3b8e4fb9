import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionUrlEventToRequest } from "../src/adapters/lambda.js";
import {
  invokeRequestToEvent,
  parseInvokeArguments,
  UsageError,
} from "../src/main/invoke-arguments.js";
import { fixturesDirectory, loadFixture, repositoryRoot } from "./support/events.js";

/** Runs `npm run invoke -- <args>` the way a developer would. */
function invoke(...args: string[]) {
  const result = spawnSync("npm", ["run", "--silent", "invoke", "--", ...args], {
    cwd: repositoryRoot,
    encoding: "utf8",
    env: { ...process.env, VERSION: "invoke-test" },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "invoke-test-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface PrintedResult {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
}

describe("npm run invoke", () => {
  it("prints the handler's result for a real HTTP API event and exits 0", () => {
    const { code, stdout, stderr } = invoke(join(fixturesDirectory, "http-api-v2-get-root.json"));
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as PrintedResult;
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ version: "invoke-test", status: "success" });
    expect(result.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    // The request log goes to stderr, so stdout stays pure JSON.
    expect(JSON.parse(stderr.trim())).toMatchObject({
      message: "request",
      requestId: "LV7fzho-PHcEJPw=",
      status: 200,
    });
  });

  it("rejects a file that is not JSON, naming the file and the parser's reason, exit 1", () => {
    const file = join(scratch, "broken.json");
    writeFileSync(file, '{"version": "2.0", ');
    const { code, stdout, stderr } = invoke(file);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`event file ${file} is not valid JSON`);
  });

  it("rejects a real AWS event of another kind, naming the missing field, exit 1", () => {
    const file = join(fixturesDirectory, "codedeploy-lifecycle-hook.json");
    const { code, stderr } = invoke(file);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `event file ${file} is not usable: event.requestContext.http.method must be a non-empty string`,
    );
  });

  it("says so when the file does not exist, exit 1", () => {
    const { code, stderr } = invoke(join(scratch, "missing.json"));
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot read event file .*missing\.json: ENOENT/);
  });

  it("prints usage without an argument, exit 2", () => {
    const { code, stderr } = invoke();
    expect(code).toBe(2);
    expect(stderr).toContain("usage: npm run invoke -- <event.json>");
  });

  it("invokes the POST fixture that ships beside the GET one", () => {
    const { code, stdout } = invoke(join(fixturesDirectory, "function-url-post-root.json"));
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as PrintedResult;
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ result: { message: "Hello Ada! All OK!" } });
  });

  it("builds the Function URL event from --method, --path, --body and --header", () => {
    const { code, stdout, stderr } = invoke(
      "--method",
      "POST",
      "--path",
      "/",
      "--body",
      '{"user":"Ada"}',
      "--header",
      "x-trace:abc",
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as PrintedResult;
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({
      version: "invoke-test",
      result: { message: "Hello Ada! All OK!" },
    });
    expect(JSON.parse(stderr.trim())).toMatchObject({ method: "POST", path: "/", status: 200 });
  });

  it("refuses an unknown flag naming it, exit 2", () => {
    const { code, stdout, stderr } = invoke("--methd", "POST");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      "invoke: unknown flag --methd; the flags are --method, --path, --body, --header",
    );
  });
});

describe("the invoke flags", () => {
  it("build the event a Function URL sends: the real fixture's shape, method, path and body", () => {
    const parsed = parseInvokeArguments(["--method", "post", "--body", '{"user":"Ada"}']);
    if (parsed.kind !== "request") throw new Error(`parsed as ${parsed.kind}`);
    const event = invokeRequestToEvent(parsed.request, "id-1", new Date(Date.UTC(2026, 11, 1)));
    const fixture = loadFixture("function-url-post-root.json");
    // Same structure, header names aside (those come from the client and the front end).
    expect(shapeOf({ ...event, headers: {} })).toEqual(shapeOf({ ...fixture, headers: {} }));
    expect(event.requestContext.http.method).toBe("POST");
    expect(event.rawPath).toBe("/");
    expect(event.body).toBe('{"user":"Ada"}');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.headers["content-type"]).toBe("application/json");
    expect(functionUrlEventToRequest(event, "fallback")).toMatchObject({
      method: "POST",
      path: "/",
      requestId: "id-1",
    });
  });

  it("keep the POST fixture's shape that of the real Function URL event", () => {
    const real = JSON.parse(
      readFileSync(join(fixturesDirectory, "function-url-post-other-path.json"), "utf8"),
    ) as Record<string, unknown>;
    const shipped = loadFixture("function-url-post-root.json") as unknown as Record<
      string,
      unknown
    >;
    // The real sample has cookies, a query and an IAM authorizer; the shipped POST has none.
    for (const key of Object.keys(shipped)) {
      if (key !== "routeKey") expect(Object.keys(real)).toContain(key);
    }
  });

  it("default to GET / and pass headers and the query string through", () => {
    const parsed = parseInvokeArguments(["--path=/health?verbose=1", "--header", "X-Trace: abc"]);
    if (parsed.kind !== "request") throw new Error(`parsed as ${parsed.kind}`);
    const event = invokeRequestToEvent(parsed.request, "id-2", new Date());
    expect(event.requestContext.http.method).toBe("GET");
    expect(event.rawPath).toBe("/health");
    expect(event.rawQueryString).toBe("verbose=1");
    expect(event.headers["x-trace"]).toBe("abc");
    expect(event.body).toBeUndefined();
  });

  it("keep a file argument working", () => {
    expect(parseInvokeArguments(["event.json"])).toEqual({ kind: "file", path: "event.json" });
  });

  it.each([
    [["--method"], "--method needs a value"],
    [["--method", "--path", "/"], "--method needs a value"],
    [["--method", "GE T"], '--method must be an HTTP method such as GET or POST, got "GE T"'],
    [["--path", "health"], "--path must start with / and contain no spaces"],
    [
      ["--header", "novalue"],
      '--header must look like name:value (e.g. x-trace:abc), got "novalue"',
    ],
    [["--header", ":x"], "--header must look like name:value"],
    [["--header", "a:1", "--header", "A:2"], "--header a is given twice"],
    [["--body", "{}", "--body", "{}"], "--body is given twice"],
    [["--verbose"], "unknown flag --verbose; the flags are --method, --path, --body, --header"],
    [["event.json", "--method", "POST"], "give either an event file or flags, not both"],
    [["--method", "POST", "event.json"], 'unexpected argument "event.json"'],
    [[], "give an event file or flags"],
  ])("refuse %j naming what is wrong", (args, message) => {
    expect(() => parseInvokeArguments(args)).toThrow(UsageError);
    expect(() => parseInvokeArguments(args)).toThrow(message);
  });
});

/** The nested key structure of a JSON value, values left out. */
function shapeOf(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return typeof value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
  );
}
