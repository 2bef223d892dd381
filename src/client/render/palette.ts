import type { SnapshotUnit } from "../../protocol/snapshot-events.ts";

type Status = SnapshotUnit["status"];

/** How a unit's state is drawn: fill, outline, text colour, and whether the outline is dashed. */
export interface StateStyle {
  fill: string;
  stroke: string;
  text: string;
  dashed: boolean;
}

/**
 * One colour per state, shared by the DOT, Mermaid and SVG views so a state looks the same
 * everywhere: amber waits, blue runs, green is done, red failed, grey dashed was never registered.
 */
export const STATE_STYLE: Record<Status, StateStyle> = {
  pending: { fill: "#fef3c7", stroke: "#d97706", text: "#451a03", dashed: false },
  started: { fill: "#dbeafe", stroke: "#2563eb", text: "#172554", dashed: false },
  completed: { fill: "#dcfce7", stroke: "#16a34a", text: "#052e16", dashed: false },
  failed: { fill: "#fee2e2", stroke: "#dc2626", text: "#450a0a", dashed: false },
  "not registered": { fill: "#f3f4f6", stroke: "#9ca3af", text: "#6b7280", dashed: true },
};
