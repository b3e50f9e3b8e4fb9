import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { greetingCore } from "../src/core/greeting.js";
import { service } from "../src/service.js";
import { defineService, ServiceDefinitionError } from "../src/service-definition.js";
import { repositoryRoot } from "./support/events.js";

const functionDirectory = join(repositoryRoot, "function");

function sourcesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(functionDirectory, join(entry.parentPath, entry.name)));
}

describe("the service declaration", () => {
  it("names the greeting as the core", () => {
    expect(service.createCore({})).toBe(greetingCore);
  });

  it("is what every entry point reads, and none of them names a core itself", () => {
    const entries = [
      "src/index.ts",
      "src/main/local-server.ts",
      "src/main/invoke.ts",
      "delivery/hooks/index.ts",
    ];
    for (const entry of entries) {
      const source = readFileSync(join(functionDirectory, entry), "utf8");
      expect(source, entry).toMatch(/from "\.\.?\/(\.\.\/)*(src\/)?service\.js"/);
      expect(source, entry).not.toMatch(/greeting|Core\b.*from/);
    }
  });

  it("holds the greeting's smoke checks: no other source of the app or its delivery mentions them", () => {
    const sources = [
      ...sourcesUnder(join(functionDirectory, "src")),
      ...sourcesUnder(join(functionDirectory, "delivery")),
    ].filter((file) => !file.includes("/test/"));
    const mentioning = sources.filter((file) =>
      /smoke-test|All OK|agnostic-core-v3/.test(
        readFileSync(join(functionDirectory, file), "utf8"),
      ),
    );
    expect(mentioning.sort()).toEqual(["src/core/greeting.ts", "src/service.ts"]);
  });
});

describe("defineService", () => {
  const check = {
    name: "POST / answers",
    request: { method: "POST", path: "/" },
    expect: { status: 200 },
  };

  it("returns the definition frozen", () => {
    const definition = defineService({ createCore: () => greetingCore, smokeChecks: [check] });
    expect(Object.isFrozen(definition)).toBe(true);
    expect(Object.isFrozen(definition.smokeChecks)).toBe(true);
  });

  it.each([
    [
      { createCore: undefined, smokeChecks: [check] },
      "createCore must be a function (env) => Core",
    ],
    [{ createCore: () => greetingCore }, "smokeChecks must be an array"],
    [{ smokeChecks: [{ ...check, name: " " }] }, "smokeChecks[0].name must be a non-empty string"],
    [{ smokeChecks: [check, check] }, 'smokeChecks[1].name "POST / answers" is used twice'],
    [
      { smokeChecks: [{ ...check, request: { method: "post", path: "/" } }] },
      "smokeChecks[0].request.method must be an upper-case HTTP method",
    ],
    [
      { smokeChecks: [{ ...check, request: { method: "GET", path: "health" } }] },
      "smokeChecks[0].request.path must start with /",
    ],
    [
      { smokeChecks: [{ ...check, expect: { status: 99 } }] },
      "smokeChecks[0].expect.status must be an HTTP status from 100 to 599",
    ],
  ])("refuses %j naming the field", (definition, message) => {
    const attempt = () => defineService({ createCore: () => greetingCore, ...definition } as never);
    expect(attempt).toThrow(ServiceDefinitionError);
    expect(attempt).toThrow(message);
  });
});
