import { defineCommand } from "../../lib/cli/command.ts";
import { type Column, checkColumns, renderTable } from "../../lib/table.ts";
import type { UnitSummary } from "../../protocol/responses.ts";
import { socketArgs, tableArgs } from "../_args.ts";
import { clientFor } from "../_client.ts";

const columns: Column<UnitSummary>[] = [
  { header: "unit", cell: (u) => u.unit_name },
  { header: "status", cell: (u) => u.status },
  { header: "ready", cell: (u) => String(u.is_ready) },
  { header: "reason", cell: (u) => u.reason ?? "" },
  { header: "kind", cell: (u) => u.kind ?? "" },
];
/** Coder's columns: the table is exactly Coder's unless some unit failed with a reason, or is a target or before-all. */
const coderColumns = columns.slice(0, 3);

export default defineCommand({
  meta: { name: "list", description: "List every unit the agent knows, sorted by name" },
  args: { ...tableArgs, ...socketArgs },
  async run({ args }) {
    checkColumns(columns, args.column);
    const units = await clientFor(args).list();
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
