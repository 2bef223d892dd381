import { defineCommand } from "../../lib/command.ts";
import { type Column, checkColumns, renderTable } from "../../lib/table.ts";
import { ListResponseSchema, type UnitSummary } from "../../protocol/responses.ts";
import { socketArgs, tableArgs } from "../_args.ts";
import { clientFor } from "../_context.ts";

const columns: Column<UnitSummary>[] = [
  { header: "unit", cell: (u) => u.unit_name },
  { header: "status", cell: (u) => u.status },
  { header: "ready", cell: (u) => String(u.is_ready) },
];

export default defineCommand({
  meta: { name: "list", description: "List every unit the agent knows, sorted by name" },
  args: { ...tableArgs, ...socketArgs },
  async run({ args }) {
    checkColumns(columns, args.column);
    const units = await clientFor(args).get("/units", ListResponseSchema);
    if (args.output === "json") console.log(JSON.stringify(units, null, 2));
    else console.log(units.length === 0 ? "No units registered" : renderTable(columns, units, args.column));
  },
});
