import pkg from "../../package.json" with { type: "json" };
import { defineCommand } from "../lib/cli/command.ts";
import { loadCommandTree, walk } from "../lib/cli/tree.ts";
import { usageError } from "../lib/errors.ts";

const SHELLS = ["bash", "zsh", "fish"] as const;

/** `unitsync completion bash|zsh|fish`: a completion script made from the live command tree. */
export default defineCommand({
  meta: {
    name: "completion",
    description:
      "Print the shell completion script for bash, zsh or fish (e.g. source <(unitsync completion bash))",
  },
  args: {
    shell: {
      type: "positional",
      required: true,
      valueHint: SHELLS.join("|"),
      description: "bash, zsh or fish",
    },
  },
  async run({ args }) {
    const shell = args.shell as (typeof SHELLS)[number];
    if (!SHELLS.includes(shell)) {
      throw usageError(`unknown shell "${args.shell}"; choose from: ${SHELLS.join(", ")}`);
    }
    // Imported here, not at the top: root.ts lists this command, and only this verb needs the tree.
    const { default: root } = await import("./root.ts");
    const nodes = [...walk(await loadCommandTree(root))];
    const renderers = {
      bash: () => import("../lib/cli/completion/bash.ts").then((m) => m.bashCompletion),
      zsh: () => import("../lib/cli/completion/zsh.ts").then((m) => m.zshCompletion),
      fish: () => import("../lib/cli/completion/fish.ts").then((m) => m.fishCompletion),
    };
    const render = await renderers[shell]();
    process.stdout.write(render(nodes, pkg.version));
  },
});
