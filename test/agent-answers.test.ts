/**
 * The whole-graph answers written straight into bytes (listJson, snapshotJson) against
 * JSON.stringify of the answer objects they replace on the wire, byte for byte: random graphs with
 * every kind of unit and edge, names and reasons that need escaping or are not ASCII, and times
 * Date prints in every way. A failure prints its seed; rerun it with UNITSYNC_GRAPH_SEED=<seed>.
 */
import { describe, expect, test } from "bun:test";
import { listJson, snapshot, snapshotJson, summaryOf } from "../src/agent/answers.ts";
import { JsonBytes } from "../src/agent/json-bytes.ts";
import { Graph, GraphError } from "../src/graph/index.ts";
import { seededRandom } from "./_random.ts";

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const list = (graph: Graph) =>
  graph
    .units()
    .filter((unit) => unit.status !== "not registered")
    .map((unit) => summaryOf(graph, unit));

describe("the whole-graph answers as bytes", () => {
  test("are JSON.stringify of list() and snapshot(), byte for byte, on random graphs", () => {
    const fixed = process.env.UNITSYNC_GRAPH_SEED;
    const base = fixed ? Number(fixed) : (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
    const seen = new Set<string>();
    for (let i = 0; i < (fixed ? 1 : 60); i++) {
      const seed = (base + i) >>> 0;
      try {
        const { graph, now } = randomGraph(seed);
        expect(Buffer.from(listJson(graph)).equals(encode(list(graph)))).toBe(true);
        expect(Buffer.from(snapshotJson(graph, now)).equals(encode(snapshot(graph, now)))).toBe(true);
        for (const unit of snapshot(graph, now).units) {
          seen.add(unit.status);
          if (unit.kind) seen.add(unit.kind);
          if (unit.reason) seen.add("reason");
          if (unit.started_only) seen.add("started_only");
        }
      } catch (error) {
        console.error(`answer bytes mismatch with seed ${seed}: rerun with UNITSYNC_GRAPH_SEED=${seed}`);
        throw error;
      }
    }
    if (!fixed) {
      expect([...seen].sort()).toEqual(
        [
          "before-all",
          "completed",
          "failed",
          "not registered",
          "pending",
          "reason",
          "started",
          "started_only",
          "target",
        ].sort(),
      );
    }
  });

  test("an empty graph", () => {
    const graph = new Graph();
    expect(new TextDecoder().decode(listJson(graph))).toBe("[]");
    expect(new TextDecoder().decode(snapshotJson(graph, 0))).toBe(JSON.stringify(snapshot(graph, 0)));
  });

  test("times print as Date's toISOString does, odd values included", () => {
    const random = seededRandom(7);
    const values = [
      0, -1, 1, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-02-28 */, 1.5, -1.5, 0.999,
      -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15,
    ];
    for (let i = 0; i < 20_000; i++) values.push(Math.floor((random() - 0.5) * 2 * 253_402_300_799_999));
    for (let i = 0; i < 2_000; i++) values.push(1_700_000_000_000 + Math.floor(random() * 1e11));
    for (const at of values) {
      const bytes = JsonBytes.build(0, (out) => out.isoTime(at));
      expect(new TextDecoder().decode(bytes)).toBe(JSON.stringify(new Date(at).toISOString()));
    }
  });

  test("strings escape as JSON.stringify does: quotes, backslashes, control characters, lone surrogates, any Unicode", () => {
    const strings = [
      'a"b\\c',
      "tab\there\nline\r\u0000\u001f\u007f",
      "\ud800 lone",
      "pair \ud83d\ude00",
      "é ü ß 中文",
      "\u2028\u2029",
      "",
    ];
    for (const value of strings) {
      const bytes = JsonBytes.build(0, (out) => out.raw("[").string(value).raw(",").bool(false).raw("]"));
      expect(Buffer.from(bytes).equals(encode([value, false]))).toBe(true);
    }
  });
});

// --- internal ---

function randomGraph(seed: number): { graph: Graph; now: number } {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const flavours = ["plain", 'quo"te', "back\\slash", "é-ünï", "中文", "emoji-\ud83d\ude00", "a.b_c-d"];
  const size = 1 + Math.floor(random() * 60);
  const names = Array.from({ length: size }, (_, i) => `${pick(flavours)}-${i}`);
  const graph = new Graph();
  // Times of every shape Date prints: now-ish, tied, before 1970, fractional, past year 9999.
  let now = pick([1_700_000_000_000, -5_000_000_000, 0, 253_402_300_700_000]);
  const tick = () => {
    const roll = random();
    if (roll < 0.2) return now;
    if (roll < 0.25) return now + 0.5;
    now += Math.floor(random() * 200_000_000);
    return now;
  };
  const reasons = ["", "exit 1", 'said "no"\n\tand left', "\u0001 control", "lone \udc00", "ünïcode 中文"];
  const ignore = (run: () => void) => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
    }
  };
  for (let i = 0; i < size; i++) {
    const unit = names[i] as string;
    const deps = Array.from({ length: Math.floor(random() * 4) }, () =>
      random() < 0.1 ? `ghost-${Math.floor(random() * 3)}` : pick(names.slice(0, Math.max(i, 1))),
    );
    const roll = random();
    if (roll < 0.05) ignore(() => graph.beforeAll(unit, tick()));
    else if (roll < 0.12) ignore(() => graph.target(unit, deps, tick()));
    else ignore(() => graph.want(unit, deps, tick(), random() < 0.2 ? "started" : "completed"));
  }
  for (let step = 0; step < size * 2; step++) {
    const unit = pick(names);
    const roll = random();
    if (roll < 0.2) ignore(() => graph.requestStart(unit, tick()));
    else if (roll < 0.5) ignore(() => graph.markStarted(unit, tick()));
    else if (roll < 0.75) ignore(() => graph.complete(unit, tick()));
    else ignore(() => graph.fail(unit, pick(reasons), tick()));
  }
  return { graph, now: tick() };
}
