import { describe, expect, it } from "vitest";
import { runDeploy } from "../deploy-command";

function makePorts(cdktfExit = 0, releaseExit = 0) {
  const calls: { cdktf: (readonly string[])[]; release: (readonly string[])[] } = {
    cdktf: [],
    release: [],
  };
  let stderr = "";
  return {
    calls,
    stderr: () => stderr,
    ports: {
      cdktf: async (args: readonly string[]) => {
        calls.cdktf.push(args);
        return cdktfExit;
      },
      release: async (argv: readonly string[]) => {
        calls.release.push(argv);
        return releaseExit;
      },
      stderr: { write: (text: string) => (stderr += text) },
    },
  };
}

describe("npm run deploy", () => {
  it("applies the stage with cdktf deploy and then releases with the same options", async () => {
    const { ports, calls } = makePorts(0, 0);

    const exitCode = await runDeploy(
      ["--stage", "test", "--auto-approve", "--timeout", "900"],
      ports,
    );

    expect(exitCode).toBe(0);
    expect(calls.cdktf).toEqual([["deploy", "test", "--auto-approve"]]);
    expect(calls.release).toEqual([["--stage", "test", "--timeout", "900"]]);
  });

  it("returns the release's exit code (a rollback is 1)", async () => {
    const { ports } = makePorts(0, 1);

    expect(await runDeploy(["--stage", "prod"], ports)).toBe(1);
  });

  it("releases nothing and exits 1 when cdktf deploy fails", async () => {
    const { ports, calls, stderr } = makePorts(1);

    const exitCode = await runDeploy(["--stage", "dev"], ports);

    expect(exitCode).toBe(1);
    expect(calls.release).toHaveLength(0);
    expect(stderr()).toContain("cdktf deploy dev failed (exit 1); nothing was released.");
  });

  it.each([[["--stage", "staging"]], [["--stage", "dev", "--stop"]], [["--timeout", "5"]]])(
    "exits 2 without deploying on bad arguments %j",
    async (argv) => {
      const { ports, calls, stderr } = makePorts();

      const exitCode = await runDeploy(argv, ports);

      expect(exitCode).toBe(2);
      expect(calls.cdktf).toHaveLength(0);
      expect(stderr()).toMatch(/^error: /);
    },
  );
});
