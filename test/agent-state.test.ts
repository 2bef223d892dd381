/** AgentState: how woken waiters are resolved when one wake changes the graph for the next. */
import { expect, test } from "bun:test";
import { AgentState, type WaitEnd } from "../src/agent/state.ts";

test("a waiter made unready by an earlier wake in the same change goes back to waiting", () => {
  const state = new AgentState(() => 0);
  // x ran once; now it depends on d and is being started again, while y waits on d and x.
  state.apply((g, now) => g.requestStart("x", now));
  state.apply((g, now) => g.markStarted("x", now));
  state.apply((g, now) => g.complete("x", now));
  state.apply((g, now) => g.want("x", ["d"], now));
  state.apply((g, now) => g.want("y", ["d", "x"], now));
  state.apply((g, now) => g.requestStart("d", now));
  state.apply((g, now) => g.markStarted("d", now));

  const ends: Record<string, WaitEnd[]> = { x: [], y: [] };
  state.addWaiter({ kind: "start", unit: "x" }, (end) => {
    ends.x?.push(end);
    // As the start route does: a ready start waiter marks its unit started at once.
    if (end.kind === "ready") state.apply((g, now) => g.markStarted("x", now));
  });
  state.addWaiter({ kind: "start", unit: "y" }, (end) => ends.y?.push(end));

  state.apply((g, now) => g.complete("d", now));
  expect(ends).toEqual({ x: [{ kind: "ready" }], y: [] });
  expect(state.waiterCount).toBe(1);

  state.apply((g, now) => g.complete("x", now));
  expect(ends.y).toEqual([{ kind: "ready" }]);
  expect(state.waiterCount).toBe(0);
});
