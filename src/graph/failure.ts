import type { Graph } from "./graph.ts";

/** A failure that makes a wait hopeless: the chain from the awaited unit down to the failed one. */
export interface FailedDependency {
  chain: string[];
  reason: string;
}

/** One line naming a failure: `my-app -> db-migration -> db-setup: db-setup failed: exit status 2`. */
export function describeFailure({ chain, reason }: FailedDependency): string {
  const failed = chain[chain.length - 1];
  return `${chain.join(" -> ")}: ${failed} failed${reason ? `: ${reason}` : ""}`;
}

/**
 * The failure at the end of `chain`, followed down to its root: a unit that failed because its own
 * dependency failed (as `run`, the script runner and targets record it) names that dependency's
 * failure, so the message reads `web -> app -> db: db failed: exit status 2`, not a failure quoting
 * a failure.
 */
export function rootFailure(graph: Graph, chain: readonly string[]): FailedDependency {
  const full = [...chain];
  // The graph is acyclic, so this ends; each step moves strictly further down.
  for (let deeper = graph.failedChain(full[full.length - 1] as string); deeper; ) {
    full.push(...deeper.slice(1));
    deeper = graph.failedChain(full[full.length - 1] as string);
  }
  return { chain: full, reason: graph.reasonOf(full[full.length - 1] as string) ?? "" };
}
