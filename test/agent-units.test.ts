/**
 * The unit operations (src/agent/units.ts), in-process: the rules the routes and the script runner
 * share. Written against the `Units` interface, so another implementation (a shared store) can run
 * the same contract by adding its factory to `implementations`.
 */
import { describe, expect, test } from "bun:test";
import { type Answer, createUnits, type LocalUnits, Refusal } from "../src/agent/units.ts";

const implementations: Record<string, () => LocalUnits> = {
  "in memory": () => createUnits(() => 1_000),
};

/** The refusal a call throws (or a wait ends with), as plain data. */
async function refusalOf(call: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error("expected a refusal");
}

function waiting<T>(answer: Answer<T>): Extract<Answer<T>, { kind: "waiting" }> {
  if (answer.kind !== "waiting") throw new Error(`expected a wait, got ${answer.kind}`);
  return answer;
}

for (const [name, make] of Object.entries(implementations)) {
  describe(`Units (${name})`, () => {
    test("start without dependencies is done at once, with the graph's start time", () => {
      const units = make();
      expect(units.start({ unit: "a" })).toEqual({
        kind: "done",
        value: { unit: "a", dependencies: [], waited: false, at: 1_000 },
      });
      expect(units.stateOf("a")).toEqual({ status: "started" });
    });

    test("start waits for its dependencies, reports progress, and is started by the last complete", async () => {
      const units = make();
      const progress: string[][] = [];
      const answer = waiting(
        units.start({ unit: "app", dependsOn: ["db", "cache"], onProgress: (u) => progress.push(u) }),
      );
      expect(answer.unmet).toEqual(["cache", "db"]);
      units.want("db", []);
      units.want("cache", []);
      units.complete("db");
      expect(progress).toEqual([["cache"]]);
      units.complete("cache");
      // Marked started in the same change that made it ready, before anyone awaits `end`.
      expect(units.stateOf("app").status).toBe("started");
      expect(await answer.end).toEqual({
        unit: "app",
        dependencies: ["cache", "db"],
        waited: true,
        at: 1_000,
      });
      expect(units.info()).toEqual({ waiters: 0 });
    });

    test("a failed dependency refuses the start at once, or ends its wait, in the same words", async () => {
      const units = make();
      units.want("app", ["db"]);
      const answer = waiting(units.start({ unit: "app" }));
      units.fail("db", "exit status 2");
      const expected = {
        code: "dependency_failed",
        message: "dependency failed: app -> db: db failed: exit status 2",
      };
      expect(await refusalOf(() => answer.end)).toEqual(expected);
      expect(await refusalOf(() => units.start({ unit: "app" }))).toEqual(expected);
      expect(units.stateOf("app").status).toBe("pending");
    });

    test("the graph refuses a second start; the refusal keeps the graph's code", async () => {
      const units = make();
      units.start({ unit: "a" });
      expect(await refusalOf(() => units.start({ unit: "a" }))).toEqual({
        code: "already_started",
        message: 'unit "a" is already started',
      });
    });

    test("a cancelled wait marks nothing and never ends", async () => {
      const units = make();
      const cancel = new AbortController();
      const answer = waiting(units.start({ unit: "app", dependsOn: ["db"], signal: cancel.signal }));
      cancel.abort();
      expect(units.info()).toEqual({ waiters: 0 });
      units.want("db", []);
      units.complete("db");
      expect(units.stateOf("app").status).toBe("pending");
      let settled = false;
      answer.end.then(
        () => (settled = true),
        () => (settled = true),
      );
      // A few turns of the microtask queue: a settled promise would have run its handlers by now.
      for (let turn = 0; turn < 5; turn++) await null;
      expect(settled).toBe(false);
    });

    test("a timeout ends the wait with the timeout message and drops the waiter", async () => {
      const units = make();
      const start = waiting(units.start({ unit: "app", dependsOn: ["db"], timeoutMs: 1 }));
      expect(await refusalOf(() => start.end)).toEqual({
        code: "timeout",
        message: "timeout waiting for dependencies of unit 'app'",
      });
      const wait = waiting(units.waitFor({ units: ["x", "y", "x"], timeoutMs: 1 }));
      expect(await refusalOf(() => wait.end)).toEqual({
        code: "timeout",
        message: "timeout waiting for units 'x', 'y'",
      });
      expect(units.info()).toEqual({ waiters: 0 });
      expect(units.stateOf("app").status).toBe("pending");
    });

    test("shutdown ends every wait with shutting_down", async () => {
      const units = make();
      const start = waiting(units.start({ unit: "app", dependsOn: ["db"] }));
      const wait = waiting(units.waitFor({ units: ["db"] }));
      units.shutdown();
      const expected = { code: "shutting_down", message: "the agent is shutting down" };
      expect(await refusalOf(() => start.end)).toEqual(expected);
      expect(await refusalOf(() => wait.end)).toEqual(expected);
    });

    test("waitFor registers nothing; with any, the first completion ends it", async () => {
      const units = make();
      const all = waiting(units.waitFor({ units: ["a", "b"] }));
      const any = waiting(units.waitFor({ units: ["a", "b"], any: true }));
      expect(units.list()).toEqual([]);
      units.want("b", []);
      units.complete("b");
      expect(await any.end).toEqual(["b"]);
      units.want("a", []);
      units.complete("a");
      expect(await all.end).toEqual(["a", "b"]);
      expect(units.waitFor({ units: ["a"] })).toEqual({ kind: "done", value: ["a"] });
    });

    test("status refuses a name never mentioned; complete and fail return the new status", async () => {
      const units = make();
      expect(await refusalOf(() => units.status("nope"))).toEqual({
        code: "not_registered",
        message: 'unit "nope" is not registered',
      });
      units.want("a", []);
      expect(units.complete("a")).toBe("completed");
      expect(units.fail("b", "broken")).toBe("failed");
      expect(units.stateOf("b")).toEqual({ status: "failed", reason: "broken" });
      expect(units.list().map((u) => u.unit_name)).toEqual(["a", "b"]);
    });
  });
}
