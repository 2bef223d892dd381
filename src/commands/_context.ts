import { AgentClient } from "../client/client.ts";
import { nameProblem } from "../graph/names.ts";
import { UnitsyncError } from "../lib/errors.ts";
import { resolveSocketPath } from "../lib/paths.ts";

/** The client for the socket the command's flags (or environment) name. */
export function clientFor(args: { "socket-path"?: string }): AgentClient {
  return new AgentClient(resolveSocketPath(args["socket-path"]));
}

/** Refuses an invalid unit name before anything is sent (exit 1, like the agent would). */
export function checkNames(...names: string[]): void {
  for (const name of names) {
    const problem = nameProblem(name);
    if (problem) throw new UnitsyncError(problem, 1, "invalid_name");
  }
}

/** Positionals after the declared ones (citty leaves them in `args._`). */
export function restPositionals(args: { _: string[] }, declared: number): string[] {
  return args._.slice(declared);
}
