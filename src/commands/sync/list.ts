import { defineCommand } from "../../lib/cli/command.ts";
import { oneLine } from "../../lib/one-line.ts";
import { type Column, checkColumns, renderTable } from "../../lib/table.ts";
import type { UnitSummary } from "../../protocol/responses.ts";
import type { SnapshotResponse } from "../../protocol/snapshot-events.ts";
import { socketArgs, tableArgs } from "../_args.ts";
import { clientFor } from "../_client.ts";

const columns: Column<UnitSummary>[] = [
  { header: "unit", cell: (u) => u.unit_name },
  { header: "status", cell: (u) => u.status },
  { header: "ready", cell: (u) => String(u.is_ready) },
  { header: "reason", cell: (u) => oneLine(u.reason ?? "") },
  { header: "kind", cell: (u) => u.kind ?? "" },
];
/** Coder's columns: the table is exactly Coder's unless some unit failed with a reason, or is a target or before-all. */
const coderColumns = columns.slice(0, 3);

export default defineCommand({
  meta: { name: "list", description: "List every unit the agent knows, sorted by name" },
  args: {
    ...tableArgs,
    all: {
      type: "boolean",
      description: "Also list the names only mentioned as dependencies (status not registered)",
    },
    ...socketArgs,
  },
  async run({ args }) {
    checkColumns(columns, args.column);
    const client = clientFor(args);
    const units = args.all ? summaries(await client.snapshot()) : await client.list();
    if (args.output === "json") console.log(JSON.stringify(units, null, 2));
    else if (units.length === 0) console.log("No units registered");
    else {
      const shown = coderColumns.concat(
        units.some((unit) => unit.reason) ? [columns[3] as Column<UnitSummary>] : [],
        units.some((unit) => unit.kind) ? [columns[4] as Column<UnitSummary>] : [],
      );
      console.log(renderTable(args.column ? columns : shown, units, args.column, { coder: true }));
    }
  },
});

// --- internal ---

/** `list`'s rows for every name the agent knows, from its snapshot (sorted by name already). */
function summaries(snapshot: SnapshotResponse): UnitSummary[] {
  return snapshot.units.map((unit) => ({
    unit_name: unit.unit_name,
    status: unit.status,
    is_ready: unit.is_ready,
    ...(unit.reason !== undefined && { reason: unit.reason }),
  }));
}
