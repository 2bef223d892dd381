/**
 * The client's schemas are built lazily (src/protocol/wire.ts, responses.ts), and a stream line is
 * parsed with its own kind's schema only. That must change nothing: every line, valid or not, gets
 * the same verdict and the same message as from the plain valibot variant below (the schema as it
 * was written before), and the deferred answers parse as before.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  OkResponseSchema,
  PingResponseSchema,
  StatusResponseSchema,
  WantResponseSchema,
} from "../src/protocol/responses.ts";
import { ERROR_CODES, parseWith, quickCheckOf, WaitLineSchema } from "../src/protocol/wire.ts";
import { seededBelow } from "./_random.ts";

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

describe("quick checks", () => {
  // Each check must say yes to exactly what its schema accepts (an "error" line aside: it leaves
  // those to valibot), on answers shaped like the real ones and broken in every way at random.
  const valid: [string, v.GenericSchema, unknown[]][] = [
    [
      "ping",
      PingResponseSchema,
      [
        { agent: "unitsync", version: "0.1.0", pid: 12, waiters: 0 },
        {
          agent: "unitsync",
          version: "0.1.0",
          pid: 12,
          waiters: 3,
          store: { url: "redis://h:6379/0", health: "synced" },
        },
      ],
    ],
    [
      "want",
      WantResponseSchema,
      [
        { unit: "a", depends_on: ["b", "c"] },
        { unit: "a", depends_on: [], required_status: "started" },
      ],
    ],
    ["ok", OkResponseSchema, [{ unit: "a", status: "completed" }]],
    ["wait line", WaitLineSchema, lines],
  ];
  const pool: unknown[] = [
    "",
    "x",
    "unitsync",
    "synced",
    "started",
    "completed",
    "waiting",
    "error",
    0,
    1.5,
    -3,
    true,
    false,
    null,
    [],
    ["a"],
    ["a", 1],
    {},
    { url: "u" },
  ];
  const random = seededBelow(3);
  const keysOf = [
    "agent",
    "version",
    "pid",
    "waiters",
    "store",
    "unit",
    "depends_on",
    "required_status",
    "status",
    "type",
    "unmet",
    "dependencies",
    "waited",
    "units",
    "url",
    "health",
    "extra",
  ];
  const mutate = (value: unknown, depth = 0): unknown => {
    if (typeof value !== "object" || value === null || Array.isArray(value) || random(4) === 0)
      return random(3) === 0 ? pool[random(pool.length)] : value;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const which = random(4);
    const key = keys[random(keys.length)] as string;
    if (which === 0) delete copy[key];
    else if (which === 1) copy[keysOf[random(keysOf.length)] as string] = pool[random(pool.length)];
    else if (which === 2) copy[key] = pool[random(pool.length)];
    else if (depth < 2) copy[key] = mutate(copy[key], depth + 1);
    return copy;
  };

  for (const [name, schema, answers] of valid) {
    test(`${name}: the check and the schema agree`, () => {
      const check = quickCheckOf(schema);
      expect(check).toBeDefined();
      let accepted = 0;
      for (let i = 0; i < 5_000; i++) {
        let answer = answers[random(answers.length)];
        for (let k = random(4); k > 0; k--) answer = mutate(answer);
        const quick = (check as (input: unknown) => boolean)(answer);
        const full = v.safeParse(schema, answer).success;
        const isError = (answer as { type?: unknown } | null)?.type === "error";
        if (quick) accepted++;
        expect({ answer, quick }).toEqual({ answer, quick: isError ? false : full });
      }
      // Both verdicts were reached many times.
      expect(accepted).toBeGreaterThan(200);
      expect(accepted).toBeLessThan(4_800);
    });
  }
});
