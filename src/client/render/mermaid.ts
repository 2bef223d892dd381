import type { SnapshotUnit } from "../../protocol/snapshot-events.ts";
import { STATE_STYLE } from "./palette.ts";

/**
 * The graph as a Mermaid flowchart (renders in GitHub and GitLab Markdown): the same boxes,
 * colours and arrows as the DOT view; a target is a hexagon, a before-all unit a double-sided box,
 * an edge that needs only a start dotted and labelled "started". Node ids are synthetic; names go into quoted labels where
 * every character that could end or confuse the label is written as a Mermaid entity (`#34;`).
 */
export function renderMermaid(units: readonly SnapshotUnit[]): string {
  const ids = new Map(units.map((unit, i) => [unit.unit_name, `n${i}`]));
  const out = [
    "%% unitsync graph: an arrow a --> b means b depends on a (b may start once a has completed)",
    "flowchart LR",
  ];
  if (units.length === 0) out.push('  empty["No units registered"]');
  for (const unit of units) {
    const kind = unit.kind === "target" ? "target: " : unit.kind === "before-all" ? "before all: " : "";
    const label = `"${escapeLabel(unit.unit_name)}<br/>${kind}${unit.status}"`;
    const shape =
      unit.kind === "target" ? `{{${label}}}` : unit.kind === "before-all" ? `[[${label}]]` : `[${label}]`;
    out.push(`  ${ids.get(unit.unit_name)}${shape}`);
  }
  for (const unit of units) {
    for (const dep of unit.depends_on) {
      const from = ids.get(dep);
      if (!from) continue;
      const arrow = unit.started_only?.includes(dep) ? "-.->|started|" : "-->";
      out.push(`  ${from} ${arrow} ${ids.get(unit.unit_name)}`);
    }
  }
  for (const [status, style] of Object.entries(STATE_STYLE)) {
    const members = units.filter((unit) => unit.status === status).map((unit) => ids.get(unit.unit_name));
    if (members.length === 0) continue;
    const dash = style.dashed ? ",stroke-dasharray:5 5" : "";
    out.push(
      `  classDef ${className(status)} fill:${style.fill},stroke:${style.stroke},color:${style.text}${dash}`,
    );
    out.push(`  class ${members.join(",")} ${className(status)}`);
  }
  return out.join("\n");
}

// --- internal ---

/** A class name for a state ("not registered" has a space, which Mermaid does not allow). */
function className(status: string): string {
  return status.replace(/ (\w)/g, (_, c: string) => c.toUpperCase());
}

/** Keeps plain characters; writes every other one as a Mermaid entity code (`#<decimal>;`). */
function escapeLabel(text: string): string {
  let out = "";
  for (const char of text) out += /[A-Za-z0-9 _.,:/@+=~-]/.test(char) ? char : `#${char.codePointAt(0)};`;
  return out;
}
