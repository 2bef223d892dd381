import type { SnapshotUnit } from "../../protocol/snapshot-events.ts";

/**
 * The graph as `graph -o json` prints it: nodes (every name, with its state, and its kind for a
 * target or a before-all unit) and edges (one per declared dependency, with its required status and
 * whether it is satisfied; `required_status: "started"` on an edge that needs only a start).
 */
export function graphJson(units: readonly SnapshotUnit[]) {
  const status = new Map(units.map((unit) => [unit.unit_name, unit.status]));
  return {
    nodes: units.map((unit) => ({
      unit_name: unit.unit_name,
      status: unit.status,
      is_ready: unit.is_ready,
      ...(unit.reason !== undefined && { reason: unit.reason }),
      ...(unit.kind !== undefined && { kind: unit.kind }),
    })),
    edges: units.flatMap((unit) =>
      unit.depends_on.map((dep) => {
        const started = unit.started_only?.includes(dep) === true;
        const current = status.get(dep);
        return {
          unit: unit.unit_name,
          depends_on: dep,
          // Only on an edge that needs just a start: the others are "completed", as in Coder.
          ...(started && { required_status: "started" as const }),
          is_satisfied: current === "completed" || (started && current === "started"),
        };
      }),
    ),
  };
}
