import { describe, expect, it } from "vitest";
import { ConfigurationError, readConfig, readVariable } from "../src/config.js";

describe("readConfig", () => {
  it("uses the documented defaults when nothing is set", () => {
    expect(readConfig({})).toEqual({
      version: "dev-manual",
      port: 3000,
      host: "127.0.0.1",
      logLevel: "INFO",
      serviceName: "agnostic-lambda-core",
      requestTimeoutMs: 10_000,
    });
  });

  it("reads every variable", () => {
    const config = readConfig({
      VERSION: "v3.1.0-abc1234",
      PORT: "8080",
      HOST: "0.0.0.0",
      LOG_LEVEL: "warn",
      POWERTOOLS_SERVICE_NAME: "greeter",
      REQUEST_TIMEOUT_MS: "2500",
    });
    expect(config).toEqual({
      version: "v3.1.0-abc1234",
      port: 8080,
      host: "0.0.0.0",
      logLevel: "WARN",
      serviceName: "greeter",
      requestTimeoutMs: 2500,
    });
  });

  it("treats an empty variable as unset", () => {
    expect(readConfig({ VERSION: "", PORT: "" })).toMatchObject({
      version: "dev-manual",
      port: 3000,
    });
  });

  it("returns a frozen object", () => {
    expect(Object.isFrozen(readConfig({}))).toBe(true);
  });

  it.each([
    ["PORT", "http", 'environment variable PORT must be an integer from 0 to 65535, got "http"'],
    ["PORT", "70000", 'environment variable PORT must be an integer from 0 to 65535, got "70000"'],
    ["PORT", "-1", "environment variable PORT must be an integer"],
    [
      "LOG_LEVEL",
      "loud",
      "environment variable LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT",
    ],
    [
      "VERSION",
      "has space",
      "environment variable VERSION must be 1 to 128 printable ASCII characters",
    ],
    ["HOST", " ", "environment variable HOST must be 1 to 128 printable ASCII characters"],
    ["REQUEST_TIMEOUT_MS", "0", "environment variable REQUEST_TIMEOUT_MS must be a whole number"],
    ["REQUEST_TIMEOUT_MS", "1.5", "environment variable REQUEST_TIMEOUT_MS must be a whole number"],
    ["REQUEST_TIMEOUT_MS", "900001", "from 1 to 900000"],
  ])("fails loudly on a bad %s (%j) naming the variable", (name, value, message) => {
    expect(() => readConfig({ [name]: value })).toThrow(ConfigurationError);
    expect(() => readConfig({ [name]: value })).toThrow(message);
  });
});

describe("readVariable", () => {
  it("wraps the parser's rule with the variable's name and value", () => {
    const parse = () => {
      throw new Error("must be even");
    };
    expect(() => readVariable({ N: "3" }, "N", 0, parse)).toThrow(
      'environment variable N must be even, got "3"',
    );
  });
});
