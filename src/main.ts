// The entrypoint: runs the root command (src/commands/root.ts) and nothing else.
import pkg from "../package.json" with { type: "json" };
import root from "./commands/root.ts";
import { runCli } from "./lib/cli/run.ts";

runCli(root, process.argv.slice(2), pkg.version).then((code) => {
  process.exitCode = code;
});
