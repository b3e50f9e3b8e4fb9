import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  createLambdaHandler,
  type FunctionUrlEvent,
  functionUrlEventToRequest,
  responseToFunctionUrlResult,
} from "../src/adapters/lambda.js";
import { greetingCore } from "../src/core/greeting.js";
import { BadRequestError } from "../src/http/errors.js";
import { SECURITY_HEADERS } from "../src/http/headers.js";
import {
  lambdaContext,
  loadFixture,
  makeFunctionUrlEvent,
  recordingLogger,
} from "./support/events.js";

function handlerWithLog() {
  const logger = recordingLogger();
  return { logger, handler: createLambdaHandler(greetingCore, { version: "9.9.9", logger }) };
}

describe("functionUrlEventToRequest with real AWS payloads", () => {
  it("reads the Function URL example (POST /my/path, text body)", () => {
    const event = loadFixture("function-url-post-other-path.json");
    expect(functionUrlEventToRequest(event, "fallback")).toEqual({
      method: "POST",
      path: "/my/path",
      headers: { header1: "value1", header2: "value1,value2" },
      body: "Hello from client!",
      isBase64Encoded: false,
      requestId: "id",
    });
  });

  it("reads the HTTP API v2 example (GET /, no body)", () => {
    const event = loadFixture<APIGatewayProxyEventV2>("http-api-v2-get-root.json");
    const request = functionUrlEventToRequest(event, "fallback");
    expect(request).toMatchObject({
      method: "GET",
      path: "/",
      body: undefined,
      isBase64Encoded: false,
    });
    expect(request.requestId).toBe("LV7fzho-PHcEJPw=");
  });

  it("falls back to the Lambda request id when the event carries none", () => {
    const event = makeFunctionUrlEvent();
    event.requestContext.requestId = "";
    expect(functionUrlEventToRequest(event, "from-context").requestId).toBe("from-context");
  });
});

describe("functionUrlEventToRequest with events of the wrong shape", () => {
  it.each([
    [
      "a CodeDeploy lifecycle hook",
      loadFixture("codedeploy-lifecycle-hook.json"),
      "event.requestContext.http.method",
    ],
    [
      "an EventBridge alarm event",
      loadFixture("eventbridge-alarm-state-change.json"),
      "event.requestContext.http.method",
    ],
    ["an array", [], "the event must be a JSON object"],
    ["null", null, "the event must be a JSON object"],
    ["a missing rawPath", { requestContext: { http: { method: "GET" } } }, "event.rawPath"],
    ["a numeric body", { ...makeFunctionUrlEvent(), body: 12 }, "event.body must be a string"],
    [
      "a string isBase64Encoded",
      { ...makeFunctionUrlEvent(), isBase64Encoded: "yes" },
      "event.isBase64Encoded",
    ],
    [
      "headers as a list",
      { ...makeFunctionUrlEvent(), headers: ["a"] },
      "event.headers must be an object",
    ],
  ])("rejects %s naming the field", (_label, event, field) => {
    const convert = () => functionUrlEventToRequest(event as unknown as FunctionUrlEvent, "id");
    expect(convert).toThrow(BadRequestError);
    expect(convert).toThrow(field);
  });
});

describe("createLambdaHandler", () => {
  it("answers the HTTP API GET / payload with the Pilot greeting", async () => {
    const { handler } = handlerWithLog();
    const result = await handler(
      loadFixture<APIGatewayProxyEventV2>("http-api-v2-get-root.json"),
      lambdaContext,
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({
      version: "9.9.9",
      result: { message: "Hello Pilot! All OK!" },
    });
    expect(result.isBase64Encoded).toBe(false);
  });

  it("answers the Function URL POST /my/path payload with v2's 404", async () => {
    const { handler } = handlerWithLog();
    const result = await handler(loadFixture("function-url-post-other-path.json"), lambdaContext);
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toEqual({
      error: "Not Found",
      path: "/my/path",
      version: "9.9.9",
    });
    expect(result.headers).toMatchObject(SECURITY_HEADERS);
  });

  describe.each([
    ["text", '{"user":"Ada"}'],
    ["base64", Buffer.from('{"user":"Ada"}')],
  ])("with a %s body", (_label, body) => {
    it("greets the user", async () => {
      const { handler } = handlerWithLog();
      const result = await handler(makeFunctionUrlEvent({ method: "POST", body }), lambdaContext);
      expect(JSON.parse(result.body)).toMatchObject({
        status: "success",
        result: { message: "Hello Ada! All OK!" },
      });
    });
  });

  it("answers an event of the wrong shape with 400 instead of failing the invocation", async () => {
    const { handler, logger } = handlerWithLog();
    const event = loadFixture("codedeploy-lifecycle-hook.json") as unknown as FunctionUrlEvent;
    const result = await handler(event, lambdaContext);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({
      error: "Bad Request",
      details: expect.stringContaining("event.requestContext.http.method"),
    });
    expect(result.headers).toMatchObject(SECURITY_HEADERS);
    expect(logger.records).toEqual([
      expect.objectContaining({
        requestId: "context-request-id",
        method: "-",
        path: "-",
        status: 400,
      }),
    ]);
  });

  it("logs the event's request id, method and path", async () => {
    const { handler, logger } = handlerWithLog();
    await handler(
      makeFunctionUrlEvent({ method: "POST", path: "/health", requestId: "evt-7" }),
      lambdaContext,
    );
    expect(logger.records).toEqual([
      expect.objectContaining({ requestId: "evt-7", method: "POST", path: "/health", status: 405 }),
    ]);
  });
});

describe("responseToFunctionUrlResult", () => {
  it("copies status, headers and body and marks the body as text", () => {
    const response = { statusCode: 204, headers: { allow: "GET" }, body: "" };
    expect(responseToFunctionUrlResult(response)).toEqual({ ...response, isBase64Encoded: false });
  });
});
