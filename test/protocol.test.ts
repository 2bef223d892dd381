/**
 * The client's schemas are built lazily (src/protocol/wire.ts, responses.ts), and a stream line is
 * parsed with its own kind's schema only. That must change nothing: every line, valid or not, gets
 * the same verdict and the same message as from the plain valibot variant below (the schema as it
 * was written before), and the deferred answers parse as before.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { PingResponseSchema, StatusResponseSchema } from "../src/protocol/responses.ts";
import { ERROR_CODES, parseWith, WaitLineSchema } from "../src/protocol/wire.ts";

const error = v.strictObject({
  code: v.picklist(ERROR_CODES),
  message: v.string(),
  failures: v.optional(v.array(v.strictObject({ chain: v.array(v.string()), reason: v.string() }))),
});
const reference = v.variant("type", [
  v.strictObject({ type: v.literal("waiting"), unmet: v.array(v.string()) }),
  v.strictObject({
    type: v.literal("started"),
    unit: v.string(),
    dependencies: v.array(v.string()),
    waited: v.boolean(),
  }),
  v.strictObject({ type: v.literal("completed"), units: v.array(v.string()) }),
  v.strictObject({ type: v.literal("error"), error }),
]);

const lines: unknown[] = [
  { type: "waiting", unmet: ["db"] },
  { type: "waiting", unmet: [] },
  { type: "started", unit: "app", dependencies: ["db"], waited: true },
  { type: "completed", units: ["a", "b"] },
  {
    type: "error",
    error: { code: "dependency_failed", message: "x", failures: [{ chain: ["a"], reason: "r" }] },
  },
  { type: "error", error: { code: "timeout", message: "t" } },
  // Wrong in one field, in each kind.
  { type: "waiting", unmet: "db" },
  { type: "started", unit: "app", dependencies: ["db"], waited: "yes" },
  { type: "started", unit: 1, dependencies: ["db"], waited: true },
  { type: "completed" },
  { type: "error", error: { code: "no_such_code", message: "x" } },
  { type: "error", error: { code: "timeout" } },
  // Fields that are not in the protocol.
  { type: "waiting", unmet: [], extra: 1 },
  { type: "started", unit: "app", dependencies: [], waited: false, pid: 3 },
  // No kind, or an unknown one.
  { type: "finished", units: [] },
  { type: 7 },
  { unmet: [] },
  {},
  [],
  null,
  "started",
  42,
  undefined,
  { type: "__proto__" },
  { type: "constructor" },
  { type: "toString" },
];

describe("WaitLineSchema", () => {
  test("gives every line the plain variant's verdict and message", () => {
    for (const line of lines) {
      expect({ line, result: parseWith(WaitLineSchema, line) }).toEqual({
        line,
        result: parseWith(reference, line),
      });
    }
  });
});

describe("deferred answers", () => {
  test("parse, and refuse, as schemas built at once would", () => {
    expect(parseWith(PingResponseSchema, { agent: "unitsync", version: "1", pid: 2, waiters: 0 })).toEqual({
      ok: true,
      value: { agent: "unitsync", version: "1", pid: 2, waiters: 0 },
    });
    expect(parseWith(PingResponseSchema, { agent: "other", version: "1", pid: 2, waiters: 0 })).toMatchObject(
      {
        ok: false,
      },
    );
    expect(
      parseWith(PingResponseSchema, { agent: "unitsync", version: "1", pid: 2, waiters: 0, x: 1 }),
    ).toEqual({
      ok: false,
      message: 'unknown field "x"',
    });
    const status = { unit_name: "a", status: "pending" as const, is_ready: false, dependencies: [] };
    expect(parseWith(StatusResponseSchema, status)).toEqual({ ok: true, value: status });
    expect(parseWith(StatusResponseSchema, { ...status, kind: "target" })).toMatchObject({ ok: true });
    expect(parseWith(StatusResponseSchema, { ...status, kind: "nope" })).toMatchObject({ ok: false });
  });
});
