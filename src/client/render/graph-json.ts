import type { SnapshotUnit } from "../../protocol/snapshot-events.ts";

/**
 * The graph as `graph -o json` prints it: nodes (every name, with its state) and edges (one per
 * declared dependency, with whether it is satisfied).
 */
export function graphJson(units: readonly SnapshotUnit[]) {
  const status = new Map(units.map((unit) => [unit.unit_name, unit.status]));
  return {
    nodes: units.map((unit) => ({
      unit_name: unit.unit_name,
      status: unit.status,
      is_ready: unit.is_ready,
      ...(unit.reason !== undefined && { reason: unit.reason }),
    })),
    edges: units.flatMap((unit) =>
      unit.depends_on.map((dep) => ({
        unit: unit.unit_name,
        depends_on: dep,
        is_satisfied: status.get(dep) === "completed",
      })),
    ),
  };
}
