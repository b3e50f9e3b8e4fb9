import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTimestamp, parseTimestamp } from "../src/time.js";

describe("parseTimestamp", () => {
  it.each([
    ["2026-03-14T09:13:07Z", Date.UTC(2026, 2, 14, 9, 13, 7)],
    ["2026-03-14T09:13:07.204Z", Date.UTC(2026, 2, 14, 9, 13, 7, 204)],
    ["2026-03-14T11:13:07.204+02:00", Date.UTC(2026, 2, 14, 9, 13, 7, 204)],
    ["2026-03-14T09:13:07.204+0000", Date.UTC(2026, 2, 14, 9, 13, 7, 204)],
    ["2026-03-13T23:43:07-09:30", Date.UTC(2026, 2, 14, 9, 13, 7)],
    ["2026-03-14T09:13Z", Date.UTC(2026, 2, 14, 9, 13)],
    ["2026-03-14T09:13:07.123456789Z", Date.UTC(2026, 2, 14, 9, 13, 7, 123)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
  ])("reads %s as the right instant", (text, expected) => {
    expect(parseTimestamp(text)).toEqual({ ok: true, epochMs: expected });
  });

  it.each([
    ["2026-03-14T09:13:07", "offset"],
    ["2026-03-14 09:13:07Z", "ISO-8601"],
    ["2026-02-30T00:00:00Z", "day"],
    ["2025-02-29T00:00:00Z", "day"],
    ["2026-13-01T00:00:00Z", "month"],
    ["2026-03-14T24:00:00Z", "hour"],
    ["2026-03-14T09:60:00Z", "minute"],
    ["2026-03-14T09:13:60Z", "second"],
    ["2026-03-14T09:13:07+24:00", "offset"],
    ["2026-03-14T09:13:07Z trailing", "ISO-8601"],
    ["2023-08-04T12: 36: 15.490+0000", "ISO-8601"],
    ["1773479587204", "ISO-8601"],
    ["", "ISO-8601"],
  ])("rejects %s and says why (%s)", (text, mentioned) => {
    const result = parseTimestamp(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(mentioned);
  });

  it("reads back every instant it formats", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) }),
        (epochMs) => {
          expect(parseTimestamp(formatTimestamp(epochMs))).toEqual({ ok: true, epochMs });
        },
      ),
    );
  });

  it("agrees with the same instant written in any whole-minute offset", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (epochMs, offsetMinutes) => {
          const local = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, -1);
          const sign = offsetMinutes < 0 ? "-" : "+";
          const absolute = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(absolute / 60)).padStart(2, "0")}:${String(absolute % 60).padStart(2, "0")}`;
          expect(parseTimestamp(`${local}${zone}`)).toEqual({ ok: true, epochMs });
        },
      ),
    );
  });
});
