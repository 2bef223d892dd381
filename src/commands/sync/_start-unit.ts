import type { AgentClient } from "../../client/client.ts";
import { ProgressLine, ProgressLog } from "../../client/progress.ts";
import type { StartRequest } from "../../protocol/requests.ts";

/**
 * Sends one `start` request and follows it until the unit is started, printing Coder's lines
 * through `say` (stdout for `start`, stderr for `run`) and, on a terminal, a live line while it
 * waits, or in a build log a "still waiting" line every `progressMs` (0: none). Errors from the
 * agent (dependency failed, timeout, ...) are thrown as UnitsyncError.
 */
export async function startUnit(
  client: AgentClient,
  request: StartRequest,
  say: (text: string) => void,
  signal?: AbortSignal,
  progressMs = 0,
): Promise<void> {
  const { unit } = request;
  let waitedFor: string[] | undefined;
  let progress: ProgressLine | undefined;
  let log: ProgressLog | undefined;
  try {
    for await (const line of client.start(request, signal)) {
      if (line.type === "waiting") {
        if (waitedFor) {
          progress?.update(line.unmet);
          log?.update(line.unmet);
          continue;
        }
        waitedFor = line.unmet;
        say(`Unit "${unit}" is waiting for dependencies to be satisfied: [${line.unmet.join(", ")}]`);
        progress = ProgressLine.start(unit, line.unmet);
        log = ProgressLog.start(unit, line.unmet, progressMs, (name) => client.status(name));
      } else if (line.type === "started") {
        progress?.stop();
        log?.stop();
        if (line.waited)
          say(`Unit "${unit}" finished waiting for dependencies: [${(waitedFor ?? []).join(", ")}]`);
        else if (line.dependencies.length === 0) say(`Unit "${unit}" started with no dependencies`);
        else {
          say(
            `Unit "${unit}" started immediately, dependencies already satisfied: [${line.dependencies.join(", ")}]`,
          );
        }
      }
    }
  } finally {
    progress?.stop();
    log?.stop();
  }
}
