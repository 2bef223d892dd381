import type { AgentClient } from "../../client/client.ts";
import { defineCommand } from "../../lib/cli/command.ts";
import { formatDuration } from "../../lib/duration.ts";
import { UnitsyncError } from "../../lib/errors.ts";
import { oneLine } from "../../lib/one-line.ts";
import { type Column, checkColumns, renderTable } from "../../lib/table.ts";
import { isTerminal } from "../../lib/terminal.ts";
import type { StatusResponse } from "../../protocol/responses.ts";
import { socketArgs, tableArgs, unitArg } from "../_args.ts";
import { checkNames, clientFor } from "../_client.ts";

type Dependency = StatusResponse["dependencies"][number];

const columns: Column<Dependency>[] = [
  { header: "depends on", cell: (d) => d.depends_on },
  { header: "required status", cell: (d) => d.required_status },
  { header: "current status", cell: (d) => d.current_status },
  { header: "satisfied", cell: (d) => String(d.is_satisfied) },
];

export default defineCommand({
  meta: { name: "status", description: "Show a unit's status and its dependencies" },
  args: {
    ...unitArg,
    ...tableArgs,
    details: {
      type: "boolean",
      description:
        "After Coder's lines, also print unitsync's: the failure reason, when the unit reached each step, what it waits on (default: only when stdout is a terminal)",
    },
    ...socketArgs,
  },
  async run({ args }) {
    checkColumns(columns, args.column);
    checkNames(args.unit);
    const status = await statusOf(clientFor(args), args.unit);
    if (args.output === "json") {
      console.log(JSON.stringify(status, null, 2));
      return;
    }
    const lines = [`Unit: ${status.unit_name}`, `Status: ${status.status}`, `Ready: ${status.is_ready}`];
    lines.push("", "Dependencies:");
    lines.push(
      status.dependencies.length === 0
        ? "No dependencies found"
        : renderTable(columns, status.dependencies, args.column, { coder: true }),
    );
    // Scripts and golden comparisons parse Coder's lines: ours only where a person reads them.
    if (args.details ?? (await isTerminal(1))) lines.push(...detailLines(status, Date.now()));
    console.log(lines.join("\n"));
  },
});

// --- internal ---

/**
 * The unit's status. A name nobody has mentioned is, as in Coder, not an error: it is not
 * registered, has no dependencies and so is ready (Coder's troubleshooting guide relies on it).
 * The agent refuses it (`not_registered`, docs/protocol.md); the command answers for it.
 */
async function statusOf(client: AgentClient, unit: string): Promise<StatusResponse> {
  try {
    return await client.status(unit);
  } catch (error) {
    if (!(error instanceof UnitsyncError) || error.code !== "not_registered") throw error;
    return { unit_name: unit, status: "not registered", is_ready: true, dependencies: [] };
  }
}

const KIND_TEXT = {
  target: "target (completes by itself once all its dependencies, its members, have)",
  "before-all": "before-all (every other unit depends on it)",
} as const;

/** Our lines after Coder's: a target's or before-all unit's kind, the failure reason, when the unit reached each milestone, what it waits on. */
function detailLines(status: StatusResponse, now: number): string[] {
  const ago = (iso: string) => `${formatDuration(Math.max(0, now - Date.parse(iso)))} ago`;
  const times = status.times ?? {};
  const out = [
    ["Registered", times.registered_at],
    ["Start requested", times.start_requested_at],
    ["Started", times.started_at],
    ["Finished", times.finished_at],
  ]
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([label, iso]) => `${`${label}:`.padEnd(17)}${iso} (${ago(iso)})`);
  if (status.reason) out.unshift(`Reason: ${oneLine(status.reason)}`);
  if (status.kind) out.unshift(`Kind: ${KIND_TEXT[status.kind]}`);
  if (status.waiting_on) {
    const blocker = status.blocker;
    const since = blocker?.since ? ` ${ago(blocker.since)}` : "";
    const state =
      blocker?.status === "pending"
        ? `registered${since}, not started`
        : blocker?.status === "failed"
          ? `failed${since}${blocker.reason ? `: ${oneLine(blocker.reason)}` : ""}`
          : blocker?.status === "started"
            ? `started${since}`
            : (blocker?.status ?? "unknown");
    out.push(`Waiting on: ${status.waiting_on.join(" -> ")} (${state})`);
  }
  return out.length > 0 ? ["", ...out] : [];
}
