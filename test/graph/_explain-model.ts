/**
 * The first explainWait (a Map, a frame and a candidate per unit visited), kept as the model the
 * allocation-free one in src/graph/explain.ts must agree with: same chain, same blocker, same budget.
 */

import type { WaitExplanation } from "../../src/graph/explain.ts";
import type { Graph } from "../../src/graph/index.ts";
import { compareNames } from "../../src/graph/index.ts";

/** explainWait as it was, with the budget as a parameter. */
export function explainWaitModel(graph: Graph, unit: string, budget: number): WaitExplanation | undefined {
  if (graph.isReady(unit)) return undefined;
  const best = new Map<string, Candidate>();
  // Iterative post-order over unmet dependencies (the graph is acyclic), so a long chain cannot
  // overflow the stack and a shared dependency is explained once.
  const stack: Frame[] = [{ name: unit }];
  let searched = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (best.has(top.name)) {
      stack.pop();
      continue;
    }
    if (top.deps === undefined) {
      // Only a pending unit is itself waiting: a running (or failed) one is the blocker, whatever
      // edges were added after it started. A failed target is waiting too: on the failure behind it.
      const status = graph.status(top.name);
      const waits =
        top.name === unit || status === "pending" || (status === "failed" && graph.isTarget(top.name));
      const unmet = waits ? graph.unmetDependencies(top.name) : [];
      // Past the budget only the first unmet dependency is followed: the chain stays complete and
      // true, but a status call no longer walks the whole ancestry of a unit in a huge graph.
      top.deps = searched++ < budget ? unmet : unmet.slice(0, 1);
      if (top.deps.length > 0) {
        for (const dep of top.deps) if (!best.has(dep)) stack.push({ name: dep });
        continue;
      }
    }
    stack.pop();
    best.set(top.name, candidateFor(graph, top.name, top.deps, best));
  }
  const chain = [unit];
  for (let next = best.get(unit)?.next; next !== undefined; next = best.get(next)?.next) chain.push(next);
  return { chain, status: graph.status(chain[chain.length - 1] as string) };
}

// --- internal ---

/** A unit on the search stack; `deps` are the unmet dependencies it follows, once looked at. */
interface Frame {
  name: string;
  deps?: string[];
}

interface Candidate {
  /** The next unit down the chain; undefined at the blocker. */
  next?: string;
  /** Units in the chain from here down. */
  length: number;
  /** Lower is worse (shown first). */
  rank: number;
  /** Among running blockers, the earlier start is worse. */
  since: number;
}

/** How bad each kind of blocker is; the lowest wins. */
const RANK: Record<string, number> = { failed: 0, "not registered": 1, pending: 2, started: 3 };

function candidateFor(graph: Graph, name: string, unmet: string[], best: Map<string, Candidate>): Candidate {
  if (unmet.length === 0) {
    const status = graph.status(name);
    const since = graph.get(name)?.times.startedAt ?? Number.POSITIVE_INFINITY;
    return { length: 1, rank: RANK[status] ?? 3, since };
  }
  let chosen: Candidate | undefined;
  let chosenName = "";
  for (const dep of unmet) {
    const candidate = best.get(dep) as Candidate;
    if (!chosen || worse(candidate, dep, chosen, chosenName)) {
      chosen = candidate;
      chosenName = dep;
    }
  }
  const pick = chosen as Candidate;
  return { next: chosenName, length: pick.length + 1, rank: pick.rank, since: pick.since };
}

function worse(a: Candidate, aName: string, b: Candidate, bName: string): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.since !== b.since) return a.since < b.since;
  if (a.length !== b.length) return a.length < b.length;
  return compareNames(aName, bName) < 0;
}
