/**
 * A real local HTTP server standing in for the stage's Function URL: the project's local server
 * (the same event conversion a Function URL does) around a handler that answers as the old
 * version for the first requests and as the new one afterwards, the way the alias settles once
 * CodeDeploy has shifted the traffic.
 */
import { HANG } from "@agnostic-lambda-core/fake-aws";
import type { FunctionUrlResult, LambdaHandler } from "../../../../src/adapters/lambda.js";
import {
  createLocalServer,
  listen,
  type StartedServer,
} from "../../../../src/adapters/local-server.js";
import { recordingLogger } from "../../../../test/support/events.js";
import { realHandler, type VersionBehaviour } from "./fake-deployment.js";

export interface UrlScenario {
  /** The `VERSION` answered by request n (0-based); the last label answers every later one. */
  readonly labels: readonly string[];
  /** How the version answers. @default the service's real handler */
  readonly behaviour?: VersionBehaviour;
}

export class FunctionUrlStandIn {
  private scenario: UrlScenario = { labels: ["v-new"] };
  private started: StartedServer | undefined;
  /** Method and path of every request the URL received, in order. */
  readonly requests: string[] = [];

  /** Starts listening on 127.0.0.1 and a free port; returns the URL (`http://127.0.0.1:<port>/`). */
  async start(): Promise<string> {
    const handler: LambdaHandler = async (event) => {
      const { labels, behaviour = realHandler } = this.scenario;
      const label = labels[Math.min(this.requests.length, labels.length - 1)] ?? "v-new";
      this.requests.push(`${event.requestContext.http.method} ${event.rawPath}`);
      const reply = await behaviour(event, label);
      if (reply === HANG) throw new Error("the stand-in URL does not hang");
      return reply.result as FunctionUrlResult;
    };
    this.started = await listen(
      createLocalServer({ handler, version: "stand-in", logger: recordingLogger() }),
      "127.0.0.1",
      0,
    );
    return `${this.started.url}/`;
  }

  /** Replaces the scenario and forgets the requests seen so far. */
  serve(scenario: UrlScenario): void {
    this.scenario = scenario;
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    await this.started?.close(1000);
  }
}
