import { autostartEnabled, autostartRecovery } from "../client/autostart.ts";
import { AgentClient } from "../client/client.ts";
import { nameProblem } from "../graph/names.ts";
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { resolveSocketPath, SOCKET_ENV } from "../lib/socket-path.ts";

/**
 * The client for the socket the command's flags (or environment) name. With `{ autostart: true }`
 * (the verbs that need an agent: want, start, run, wait; spread `autostartArgs` into their flags),
 * a socket that refuses is retried briefly and a missing agent is started in the background, unless
 * `--no-autostart` or UNITSYNC_AUTOSTART=0.
 */
export function clientFor(
  args: { "socket-path"?: string; autostart?: boolean },
  options: { autostart?: boolean } = {},
): AgentClient {
  const socketPath = resolveSocketPath(args["socket-path"]);
  // A path the user named may be an agent shared through a group (agent --socket-group).
  const shared = Boolean(args["socket-path"] || process.env[SOCKET_ENV]);
  if (!options.autostart) return new AgentClient(socketPath, { shared });
  return new AgentClient(socketPath, {
    shared,
    recover: autostartRecovery(socketPath, autostartEnabled(args.autostart)),
  });
}

/** Refuses an invalid unit name before anything is sent (exit 1, like the agent would). */
export function checkNames(...names: string[]): void {
  for (const name of names) {
    const problem = nameProblem(name);
    if (problem) throw new UnitsyncError(problem, ExitCode.refused, "invalid_name");
  }
}
