import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { entryPoints } from "../../../build.js";
import { makeAlarmEvent, RECORDER_ENV } from "./support.js";

const repositoryRoot = fileURLToPath(new URL("../../../..", import.meta.url));

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("the recorder bundle (image_config.command recorder.handler)", () => {
  it("is an entry point of the build", () => {
    expect(entryPoints.recorder).toBe("function/delivery/recorder/handler.ts");
  });

  it("exports a handler that reads its environment and handles an event", async () => {
    const bundle = join(repositoryRoot, "function/dist/recorder.mjs");
    if (!existsSync(bundle))
      throw new Error(`${bundle} is missing: run \`npm run build\` first (npm test does)`);
    for (const [name, value] of Object.entries(RECORDER_ENV)) vi.stubEnv(name, value);
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const module = (await import(pathToFileURL(bundle).href)) as {
      handler: (event: unknown) => Promise<void>;
    };

    await module.handler(makeAlarmEvent({ alarmName: "example-dev-errors" }));

    expect(written.map((line) => JSON.parse(line))).toMatchObject([
      { level: "INFO", message: "event ignored", reason: "alarm of another stage or service" },
    ]);
  });
});
