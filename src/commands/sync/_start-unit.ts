import type { AgentClient } from "../../client/client.ts";
import { ProgressLine, ProgressLog } from "../../client/progress.ts";
import type { StartRequest } from "../../protocol/requests.ts";

/** A held start (`hold: true`): the open answer is the lease on the unit, until `release`. */
export interface StartLease {
  /** Closes the answer; call it after completing or failing the unit, or the agent fails it. */
  release(): Promise<void>;
}

/**
 * Sends one `start` request and follows it until the unit is started, printing Coder's lines
 * through `say` (stdout for `start`, stderr for `run`) and, on a terminal, a live line while it
 * waits, or in a build log a "still waiting" line every `progressMs` (0: none). Errors from the
 * agent (dependency failed, timeout, ...) are thrown as UnitsyncError. With `hold`, the answer is
 * left open once started, and returned as a lease.
 */
export async function startUnit(
  client: AgentClient,
  request: StartRequest,
  say: (text: string) => void,
  signal?: AbortSignal,
  progressMs = 0,
): Promise<StartLease | undefined> {
  const { unit } = request;
  let waitedFor: string[] | undefined;
  let progress: ProgressLine | undefined;
  let log: ProgressLog | undefined;
  const answer = client.start(request, signal);
  try {
    // Not `for await`: leaving that loop would close the answer, and with it a held lease.
    for (let next = await answer.next(); !next.done; next = await answer.next()) {
      const line = next.value;
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
        if (request.hold) return { release: async () => void (await answer.return(undefined)) };
      }
    }
  } catch (error) {
    await answer.return(undefined);
    throw error;
  } finally {
    progress?.stop();
    log?.stop();
  }
  return undefined;
}
