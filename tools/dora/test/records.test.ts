import {
  linesOf,
  parseRecords,
  recordId,
  toRecordLine,
  validateRecord,
} from "@agnostic-lambda-core/delivery-records/records";
import { describe, expect, it } from "vitest";
import { formatDeploymentRecord } from "../../release/record.js";
import { at, jsonLine, makeDeployment, makeIncident } from "./support/records.js";

const deploymentLine = {
  type: "deployment",
  stage: "prod",
  deploymentId: "d-ABC",
  commit: "3f2c9e1",
  committedAt: "2026-03-02T09:00:00Z",
  startedAt: "2026-03-02T14:00:00+02:00",
  finishedAt: "2026-03-02T12:12:00Z",
  status: "succeeded",
} as const;

const incidentLine = {
  type: "incident",
  stage: "prod",
  alarm: "agnostic-lambda-core-prod-errors",
  openedAt: "2026-03-09T18:02:00Z",
  resolvedAt: null,
} as const;

describe("validateRecord", () => {
  it("reads a deployment line into epoch milliseconds, offsets applied", () => {
    expect(validateRecord(deploymentLine)).toEqual({
      ok: true,
      record: {
        type: "deployment",
        stage: "prod",
        deploymentId: "d-ABC",
        commit: "3f2c9e1",
        committedAt: at("2026-03-02T09:00:00Z"),
        startedAt: at("2026-03-02T12:00:00Z"),
        finishedAt: at("2026-03-02T12:12:00Z"),
        status: "succeeded",
      },
    });
  });

  it("accepts a deployment without a commit (counted everywhere but lead time)", () => {
    const result = validateRecord({ ...deploymentLine, commit: null, committedAt: null });
    expect(
      result.ok && result.record.type === "deployment" && result.record.committedAt,
    ).toBeNull();
  });

  it("reads an open incident", () => {
    expect(validateRecord(incidentLine)).toEqual({
      ok: true,
      record: { ...incidentLine, openedAt: at("2026-03-09T18:02:00Z"), resolvedAt: null },
    });
  });

  it.each([
    [{ ...deploymentLine, type: "release" }, `"type" must be "deployment" or "incident"`],
    [{ ...deploymentLine, stage: "" }, `"stage" must be a non-empty string`],
    [{ ...deploymentLine, deploymentId: 42 }, `"deploymentId" must be a non-empty string`],
    [{ ...deploymentLine, status: "ok" }, `"status" must be one of succeeded, failed, rolled_back`],
    [
      { ...deploymentLine, finishedAt: "2026-03-02T12:12:00" },
      `"finishedAt": "2026-03-02T12:12:00" is not an ISO-8601 timestamp with an offset`,
    ],
    [
      { ...deploymentLine, finishedAt: "2026-03-02T11:59:00Z" },
      `"finishedAt" is before "startedAt"`,
    ],
    [
      { ...deploymentLine, committedAt: "2026-03-02T13:00:00Z" },
      `"committedAt" is after "finishedAt"`,
    ],
    [{ ...incidentLine, resolvedAt: "2026-03-09T18:01:00Z" }, `"resolvedAt" is before "openedAt"`],
    [
      { type: "incident", stage: "prod", alarm: "a", openedAt: "2026-03-09T18:02:00Z" },
      `"resolvedAt" is missing`,
    ],
    [[1, 2], "not a JSON object"],
  ])("rejects %j naming the field", (value, reason) => {
    const result = validateRecord(value);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(reason);
  });
});

describe("parseRecords", () => {
  it("reports malformed lines with their line numbers and keeps the rest", () => {
    const text = [
      jsonLine(deploymentLine),
      "{not json",
      "",
      jsonLine({ ...deploymentLine, deploymentId: "d-DEF", status: "done" }),
      jsonLine(incidentLine),
    ].join("\n");

    const parsed = parseRecords(linesOf(text));

    expect(parsed.records.map(recordId)).toEqual([
      "deployment/prod/d-ABC",
      `incident/prod/agnostic-lambda-core-prod-errors/${at("2026-03-09T18:02:00Z")}`,
    ]);
    expect(parsed.problems).toEqual([
      { location: "line 2", message: "not valid JSON" },
      { location: "line 4", message: `"status" must be one of succeeded, failed, rolled_back` },
    ]);
  });

  it("merges exact repeats of a record (a redelivered event) and counts them", () => {
    const line = jsonLine(deploymentLine);
    const parsed = parseRecords(linesOf([line, line, line].join("\r\n")));
    expect(parsed.records).toHaveLength(1);
    expect(parsed.duplicates).toBe(2);
    expect(parsed.problems).toEqual([]);
  });

  it("treats the same instant in another offset as the same record", () => {
    const parsed = parseRecords(
      linesOf(
        [
          jsonLine(incidentLine),
          jsonLine({ ...incidentLine, openedAt: "2026-03-09T20:02:00+02:00" }),
        ].join("\n"),
      ),
    );
    expect(parsed.records).toHaveLength(1);
    expect(parsed.duplicates).toBe(1);
  });

  it.each([
    ["open first", false],
    ["resolved first", true],
  ])("lets the resolved record of an incident replace its open record (%s)", (_, resolvedFirst) => {
    const open = jsonLine(incidentLine);
    const resolved = jsonLine({ ...incidentLine, resolvedAt: "2026-03-09T18:44:00Z" });
    const parsed = parseRecords(
      linesOf((resolvedFirst ? [resolved, open] : [open, resolved]).join("\n")),
    );
    expect(parsed.records).toEqual([
      makeIncident({
        openedAt: at("2026-03-09T18:02:00Z"),
        resolvedAt: at("2026-03-09T18:44:00Z"),
      }),
    ]);
    expect(parsed.problems).toEqual([]);
  });

  it("keeps the first of two conflicting records with one id and reports the second", () => {
    const parsed = parseRecords(
      linesOf(
        [jsonLine(deploymentLine), jsonLine({ ...deploymentLine, status: "failed" })].join("\n"),
      ),
    );
    expect(parsed.records).toHaveLength(1);
    expect(parsed.records[0]).toMatchObject({ status: "succeeded" });
    expect(parsed.problems).toEqual([
      {
        location: "line 2",
        message: "conflicts with line 1 (same deployment/prod/d-ABC); kept line 1",
      },
    ]);
  });
});

describe("the release command's records", () => {
  it("read as the deployment they describe", () => {
    const line = formatDeploymentRecord({ ...deploymentLine, status: "rolled_back" });

    const parsed = parseRecords(linesOf(line));

    expect(parsed.problems).toEqual([]);
    expect(parsed.records).toEqual([
      expect.objectContaining({
        deploymentId: "d-ABC",
        status: "rolled_back",
        finishedAt: at("2026-03-02T12:12:00Z"),
      }),
    ]);
  });
});

describe("toRecordLine", () => {
  it("writes what validateRecord reads back unchanged", () => {
    const records = [
      makeDeployment({ finishedAt: at("2026-03-02T12:12:00+01:00"), status: "rolled_back" }),
      makeDeployment({ finishedAt: at("2026-03-03T12:12:00Z"), commit: null, committedAt: null }),
      makeIncident({
        openedAt: at("2026-03-09T18:02:00Z"),
        resolvedAt: at("2026-03-09T19:02:00Z"),
      }),
      makeIncident({ openedAt: at("2026-03-09T18:02:00Z") }),
    ];
    for (const record of records) {
      expect(validateRecord(JSON.parse(JSON.stringify(toRecordLine(record))))).toEqual({
        ok: true,
        record,
      });
    }
  });
});
