import { buildTimeline } from "../../client/render/timeline.ts";
import { TIMELINE_COLUMNS, timelineJson, timelineTable } from "../../client/render/timeline-text.ts";
import { defineCommand } from "../../lib/cli/command.ts";
import { checkColumns } from "../../lib/table.ts";
import { socketArgs, tableArgs } from "../_args.ts";
import { clientFor } from "../_client.ts";

export default defineCommand({
  meta: {
    name: "timeline",
    description:
      "Show when each unit waited and ran, relative to the first event, with the critical path (table, JSON or an SVG chart)",
  },
  args: {
    output: {
      type: "enum",
      alias: "o",
      options: ["table", "json", "svg"],
      default: "table",
      description:
        "Output format: a table, JSON, or a self-contained SVG Gantt chart (`-o svg > startup.svg`)",
    },
    column: tableArgs.column,
    ...socketArgs,
  },
  async run({ args }) {
    checkColumns(TIMELINE_COLUMNS, args.column);
    const timeline = buildTimeline(await clientFor(args).snapshot());
    if (args.output === "svg") {
      const { renderTimelineSvg } = await import("../../client/render/svg.ts");
      process.stdout.write(renderTimelineSvg(timeline));
      return;
    }
    if (args.output === "json") console.log(JSON.stringify(timelineJson(timeline), null, 2));
    else console.log(timelineTable(timeline, args.column));
  },
});
