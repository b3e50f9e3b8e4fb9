/** Fixture factories for DORA records: only the fields a test cares about are spelled out. */
import type { Deployment, Incident } from "@agnostic-lambda-core/delivery-records/records";
import { timestampOrThrow } from "@agnostic-lambda-core/delivery-records/time";

/** Epoch milliseconds of an ISO-8601 instant. */
export const at = (iso: string): number => timestampOrThrow(iso, "test timestamp");

let sequence = 0;

export function makeDeployment(
  overrides: Partial<Omit<Deployment, "type">> & { readonly finishedAt: number },
): Deployment {
  sequence += 1;
  const finishedAt = overrides.finishedAt;
  return {
    type: "deployment",
    stage: "prod",
    deploymentId: `d-${String(sequence).padStart(9, "0")}`,
    commit: "3f2c9e1",
    committedAt: finishedAt - 3_600_000,
    startedAt: finishedAt - 600_000,
    status: "succeeded",
    ...overrides,
  };
}

export function makeIncident(
  overrides: Partial<Omit<Incident, "type">> & { readonly openedAt: number },
): Incident {
  return {
    type: "incident",
    stage: "prod",
    alarm: "agnostic-lambda-core-prod-errors",
    resolvedAt: null,
    ...overrides,
  };
}

/** A record (or a deliberately broken one) as a JSON line. */
export function jsonLine(record: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(record);
}
