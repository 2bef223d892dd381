import { defineCommand } from "citty";
import { type Column, checkColumns, renderTable } from "../../lib/table.ts";
import { type StatusResponse, StatusResponseSchema } from "../../protocol/schemas.ts";
import { socketArgs, tableArgs, unitArg } from "../_args.ts";
import { checkNames, clientFor } from "../_context.ts";

type Dependency = StatusResponse["dependencies"][number];

const columns: Column<Dependency>[] = [
  { header: "depends on", cell: (d) => d.depends_on },
  { header: "required status", cell: (d) => d.required_status },
  { header: "current status", cell: (d) => d.current_status },
  { header: "satisfied", cell: (d) => String(d.is_satisfied) },
];

export default defineCommand({
  meta: { name: "status", description: "Show a unit's status and its dependencies" },
  args: { ...unitArg, ...tableArgs, ...socketArgs },
  async run({ args }) {
    checkColumns(columns, args.column);
    checkNames(args.unit);
    const status = await clientFor(args).get(`/units/${encodeURIComponent(args.unit)}`, StatusResponseSchema);
    if (args.output === "json") {
      console.log(JSON.stringify(status, null, 2));
      return;
    }
    const lines = [`Unit: ${status.unit_name}`, `Status: ${status.status}`, `Ready: ${status.is_ready}`];
    if (status.reason) lines.push(`Reason: ${status.reason}`);
    lines.push("", "Dependencies:");
    lines.push(
      status.dependencies.length === 0
        ? "No dependencies found"
        : renderTable(columns, status.dependencies, args.column),
    );
    console.log(lines.join("\n"));
  },
});
