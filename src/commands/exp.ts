import { defineCommand } from "../lib/cli/command.ts";
import sync from "./sync/index.ts";

/** `unitsync exp`: the Coder-compatible prefix, so `coder exp sync` scripts switch by one word. */
export default defineCommand({
  meta: { name: "exp", description: "Experimental commands (Coder-compatible prefix)" },
  subCommands: { sync },
});
