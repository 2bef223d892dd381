import type { SnapshotUnit } from "../../protocol/snapshot-events.ts";
import { STATE_STYLE } from "./palette.ts";

/**
 * The graph in Graphviz DOT: one box per unit labelled with its name and state and coloured by
 * state (names only depended upon are grey and dashed), and an arrow from each dependency to the
 * unit that waits for it, so the drawing reads left to right in startup order. A target has a
 * double border and says "target"; a before-all unit says "before all"; an edge that needs only a
 * start is dashed and labelled "started". Node ids are
 * synthetic (n0, n1, ...): names appear only in quoted, escaped labels, so any name is safe.
 */
export function renderDot(units: readonly SnapshotUnit[]): string {
  const ids = new Map(units.map((unit, i) => [unit.unit_name, `n${i}`]));
  const out = [
    "// unitsync graph: an arrow a -> b means b depends on a (b may start once a has completed)",
    "digraph unitsync {",
    '  graph [rankdir=LR, fontname="Helvetica", nodesep=0.25, ranksep=0.5];',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
    '  edge [color="#6b7280", arrowsize=0.7];',
  ];
  for (const unit of units) {
    const style = STATE_STYLE[unit.status];
    const kind = unit.kind === "target" ? "target: " : unit.kind === "before-all" ? "before all: " : "";
    const attrs = [
      `label="${escapeLabel(unit.unit_name)}\\n${kind}${unit.status}"`,
      `fillcolor="${style.fill}"`,
      `color="${style.stroke}"`,
      `fontcolor="${style.text}"`,
    ];
    if (style.dashed) attrs.push('style="rounded,filled,dashed"');
    if (unit.kind === "target") attrs.push("peripheries=2");
    if (unit.reason) attrs.push(`tooltip="${escapeLabel(`failed: ${unit.reason}`)}"`);
    out.push(`  ${ids.get(unit.unit_name)} [${attrs.join(", ")}];`);
  }
  for (const unit of units) {
    for (const dep of unit.depends_on) {
      const from = ids.get(dep);
      // A snapshot always lists every name an edge mentions; skip rather than invent a node.
      if (!from) continue;
      const started = unit.started_only?.includes(dep) ? ' [style=dashed, label="started", fontsize=9]' : "";
      out.push(`  ${from} -> ${ids.get(unit.unit_name)}${started};`);
    }
  }
  out.push("}");
  return out.join("\n");
}

// --- internal ---

/** Escapes text for a quoted DOT string used as a label (where backslash starts an escape). */
function escapeLabel(text: string): string {
  return text
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, "\\n")
    .replace(/\p{Cc}/gu, "");
}
