/** The hooks' environment: FUNCTION_URL and its auth type are checked at start-up with the variable's name. */
import { describe, expect, it } from "vitest";
import { readHookSettings } from "../../hooks/config.js";

describe("readHookSettings", () => {
  it("reads the Function URL and defaults its auth type to NONE", () => {
    const settings = readHookSettings({ FUNCTION_URL: "https://abc.lambda-url.eu-west-1.on.aws/" });

    expect(settings.functionUrl).toBe("https://abc.lambda-url.eu-west-1.on.aws/");
    expect(settings.functionUrlAuthType).toBe("NONE");
  });

  it.each([
    ["abc.lambda-url.eu-west-1.on.aws", /FUNCTION_URL must be an absolute http\(s\) URL/],
    ["ftp://abc.example/", /FUNCTION_URL must be an absolute http\(s\) URL/],
    ["https://user:secret@abc.example/", /FUNCTION_URL must not carry credentials/],
  ])("refuses FUNCTION_URL=%s with an error naming the variable", (raw, message) => {
    expect(() => readHookSettings({ FUNCTION_URL: raw })).toThrow(message);
  });

  it("refuses an auth type other than NONE or AWS_IAM", () => {
    expect(() => readHookSettings({ FUNCTION_URL_AUTH_TYPE: "IAM" })).toThrow(
      /FUNCTION_URL_AUTH_TYPE must be "NONE" or "AWS_IAM"/,
    );
  });
});
