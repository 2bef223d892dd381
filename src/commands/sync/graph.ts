import { defineCommand } from "../../lib/cli/command.ts";
import { socketArgs } from "../_args.ts";
import { clientFor } from "../_client.ts";

export default defineCommand({
  meta: {
    name: "graph",
    description:
      "Print the whole dependency graph, nodes labelled and coloured by state (DOT, Mermaid or JSON)",
  },
  args: {
    output: {
      type: "enum",
      alias: "o",
      options: ["dot", "mermaid", "json"],
      default: "dot",
      description: "Output format: Graphviz DOT (pipe to `dot -Tsvg`), a Mermaid flowchart, or JSON",
    },
    ...socketArgs,
  },
  async run({ args }) {
    const { units } = await clientFor(args).snapshot();
    if (args.output === "json") {
      const { graphJson } = await import("../../client/render/graph-json.ts");
      console.log(JSON.stringify(graphJson(units), null, 2));
    } else if (args.output === "mermaid") {
      const { renderMermaid } = await import("../../client/render/mermaid.ts");
      console.log(renderMermaid(units));
    } else {
      const { renderDot } = await import("../../client/render/dot.ts");
      console.log(renderDot(units));
    }
  },
});
