import type { Graph } from "./graph.ts";
import { compareNames } from "./names.ts";
import type { NodeStatus } from "./types.ts";

/**
 * Why a unit is not ready: the chain from it down to what it is really waiting for, e.g.
 * ["my-app", "ide-setup", "git-clone"] when my-app waits on ide-setup, which waits on git-clone,
 * which is running. The last unit is the blocker: one that is not itself waiting on a dependency
 * (started, not registered, failed, or pending but ready with nobody starting it).
 */
export interface WaitExplanation {
  chain: string[];
  /** The blocker's status. */
  status: NodeStatus;
}

/**
 * Follows a not-ready unit's unmet dependencies down to its blocker. Where several dependencies
 * are unmet, the chain goes to the worst blocker: a failure first (it will never complete), then a
 * name nobody registered (a typo or a missing script: it hangs forever), then a registered unit
 * nobody has started, then one that is running (the one running longest first); ties go to the
 * shorter chain, then to the name. Undefined for a ready unit.
 */
export function explainWait(
  graph: Graph,
  unit: string,
  budget: number = EXPLAIN_BUDGET,
): WaitExplanation | undefined {
  if (graph.isReady(unit)) return undefined;
  const root = graph.indexOf(unit);
  const s = scratchFor(graph.size);
  const { expanded, resolved, first, count, next } = s;
  // A fresh mark per call: whatever an earlier call left in the arrays is stale, nothing is cleared.
  const mark = nextMark(s);
  // Iterative post-order over unmet dependencies (the graph is acyclic), so a long chain cannot
  // overflow the stack and a shared dependency is explained once. A unit is expanded once: its
  // unmet dependencies are written to the pool at `first`, `count` of them (sorted by name: the
  // stack takes them in that order, which decides which units the budget weighs in full).
  let stack = s.stack;
  let depth = 0;
  stack[depth++] = root;
  let used = 0;
  let searched = 0;
  while (depth > 0) {
    const top = stack[depth - 1] as number;
    if (resolved[top] === mark) {
      depth--;
      continue;
    }
    if (expanded[top] !== mark) {
      expanded[top] = mark;
      // Only a pending unit is itself waiting: a running (or failed) one is the blocker, whatever
      // edges were added after it started. A failed target is waiting too: on the failure behind it.
      const node = graph.nodeAt(top);
      const waits =
        top === root || node.status === "pending" || (node.status === "failed" && node.target === true);
      let unmet = 0;
      if (waits) {
        if (used + node.deps.length > s.pool.length) s.pool = grown(s.pool, used + node.deps.length);
        unmet = graph.unmetAt(top, s.pool, used);
      }
      // Past the budget only the first unmet dependency (by name) is followed: the chain stays
      // complete and true, but a status call no longer walks the whole ancestry of a unit in a huge graph.
      const followed = searched++ < budget ? unmet : Math.min(unmet, 1);
      if (followed === unmet) sortByName(graph, s.pool, used, unmet);
      else moveFirstByName(graph, s.pool, used, unmet);
      first[top] = used;
      count[top] = followed;
      used += followed;
      if (followed > 0) {
        if (depth + followed > stack.length) s.stack = stack = grown(stack, depth + followed);
        for (let i = used - followed; i < used; i++) {
          const dep = s.pool[i] as number;
          if (resolved[dep] !== mark) stack[depth++] = dep;
        }
        continue;
      }
    }
    depth--;
    resolve(graph, s, top, mark);
  }
  const chain = [unit];
  for (let at = next[root] as number; at !== -1; at = next[at] as number) chain.push(graph.nodeAt(at).name);
  return { chain, status: graph.status(chain[chain.length - 1] as string) };
}

/** How many units one explanation weighs all the unmet dependencies of; beyond it, only the first. */
export const EXPLAIN_BUDGET = 500;

// --- internal ---

/**
 * Per-unit bookkeeping of one explanation, by the graph's unit index, kept between calls: a status
 * read allocated a Map entry, a frame, a candidate and two arrays per unit it visited (about 2,000
 * at 10,000 units), garbage that lifted the agent's peak RSS by ~17 MiB over 500 reads (now ~4 MiB).
 */
interface Scratch {
  /** The call's mark where the unit has been expanded (its unmet dependencies are in the pool). */
  expanded: Uint32Array;
  /** The call's mark where the unit's candidate below is known. */
  resolved: Uint32Array;
  /** Where its followed unmet dependencies start in the pool, and how many. */
  first: Int32Array;
  count: Int32Array;
  /** The candidate: the next unit down the chain (-1 at the blocker), the chain's length from here, */
  next: Int32Array;
  length: Int32Array;
  /** how bad its blocker is (lower is worse), and among running blockers their start (earlier is worse). */
  rank: Uint8Array;
  since: Float64Array;
  pool: Int32Array;
  stack: Int32Array;
  mark: number;
}

let shared: Scratch | undefined;

function scratchFor(units: number): Scratch {
  if (shared && shared.expanded.length >= units) return shared;
  const size = Math.max(units, (shared?.expanded.length ?? 0) * 2, 64);
  shared = {
    expanded: new Uint32Array(size),
    resolved: new Uint32Array(size),
    first: new Int32Array(size),
    count: new Int32Array(size),
    next: new Int32Array(size),
    length: new Int32Array(size),
    rank: new Uint8Array(size),
    since: new Float64Array(size),
    pool: shared?.pool ?? new Int32Array(size),
    stack: shared?.stack ?? new Int32Array(size),
    mark: 0,
  };
  return shared;
}

function nextMark(s: Scratch): number {
  if (s.mark === 0xffffffff) {
    s.expanded.fill(0);
    s.resolved.fill(0);
    s.mark = 0;
  }
  return ++s.mark;
}

function grown(array: Int32Array, needed: number): Int32Array {
  const bigger = new Int32Array(Math.max(needed, array.length * 2));
  bigger.set(array);
  return bigger;
}

/** How bad each kind of blocker is; the lowest wins. */
const RANK: Record<string, number> = { failed: 0, "not registered": 1, pending: 2, started: 3 };

/** Sorts pool[from, from + n) by unit name (insertion sort: a unit has a handful of dependencies). */
function sortByName(graph: Graph, pool: Int32Array, from: number, n: number): void {
  for (let i = from + 1; i < from + n; i++) {
    const value = pool[i] as number;
    const name = graph.nodeAt(value).name;
    let j = i - 1;
    while (j >= from && compareNames(graph.nodeAt(pool[j] as number).name, name) > 0) {
      pool[j + 1] = pool[j] as number;
      j--;
    }
    pool[j + 1] = value;
  }
}

/** Puts the unit first by name at pool[from]. */
function moveFirstByName(graph: Graph, pool: Int32Array, from: number, n: number): void {
  let best = from;
  for (let i = from + 1; i < from + n; i++) {
    if (compareNames(graph.nodeAt(pool[i] as number).name, graph.nodeAt(pool[best] as number).name) < 0)
      best = i;
  }
  const value = pool[best] as number;
  pool[best] = pool[from] as number;
  pool[from] = value;
}

/** Weighs an expanded unit whose followed dependencies are all resolved: its own candidate. */
function resolve(graph: Graph, s: Scratch, unit: number, mark: number): void {
  s.resolved[unit] = mark;
  const n = s.count[unit] as number;
  if (n === 0) {
    const node = graph.nodeAt(unit);
    s.next[unit] = -1;
    s.length[unit] = 1;
    s.rank[unit] = RANK[node.status] ?? 3;
    s.since[unit] = node.times.startedAt ?? Number.POSITIVE_INFINITY;
    return;
  }
  const from = s.first[unit] as number;
  let chosen = s.pool[from] as number;
  for (let i = from + 1; i < from + n; i++) {
    const dep = s.pool[i] as number;
    if (worse(graph, s, dep, chosen)) chosen = dep;
  }
  s.next[unit] = chosen;
  s.length[unit] = (s.length[chosen] as number) + 1;
  s.rank[unit] = s.rank[chosen] as number;
  s.since[unit] = s.since[chosen] as number;
}

/** Whether unit a's blocker is worse than b's: rank, then the earlier start, the shorter chain, the name. */
function worse(graph: Graph, s: Scratch, a: number, b: number): boolean {
  if (s.rank[a] !== s.rank[b]) return (s.rank[a] as number) < (s.rank[b] as number);
  if (s.since[a] !== s.since[b]) return (s.since[a] as number) < (s.since[b] as number);
  if (s.length[a] !== s.length[b]) return (s.length[a] as number) < (s.length[b] as number);
  return compareNames(graph.nodeAt(a).name, graph.nodeAt(b).name) < 0;
}
