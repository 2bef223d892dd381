/** The "still waiting" lines of a build log (issue 14, item 4), with a fake stderr and agent. */
import { describe, expect, test } from "bun:test";
import { blockerState, ProgressLog, type StatusLookup } from "../src/client/progress.ts";
import type { StatusResponse } from "../src/protocol/responses.ts";
import { waitFor } from "./_helpers.ts";

/** A stderr that is not a terminal, keeping what is written. */
function logFile() {
  const lines: string[] = [];
  return { lines, stream: { isTTY: false, write: (text: string) => lines.push(text) } };
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe("ProgressLog", () => {
  test("start: the chain below the unit and the blocker's state, every interval", async () => {
    const file = logFile();
    const lookup: StatusLookup = async (unit) => {
      expect(unit).toBe("app");
      return {
        unit_name: "app",
        status: "pending",
        is_ready: false,
        dependencies: [],
        waiting_on: ["app", "db", "db.migrate"],
        blocker: { unit_name: "db.migrate", status: "started", since: ago(25_000) },
      };
    };
    const log = ProgressLog.start("app", ["db"], 20, lookup, file.stream);
    await waitFor("two lines", () => file.lines.length >= 2);
    log?.stop();
    expect(file.lines[0]).toBe(
      'Unit "app" still waiting after 0s for [db]: db -> db.migrate (started 25s ago)\n',
    );
  });

  test("wait: a unit that is not itself waiting is its own blocker; an unknown one is not registered", async () => {
    const file = logFile();
    const statuses: Record<string, StatusResponse> = {
      db: {
        unit_name: "db",
        status: "pending",
        is_ready: true,
        dependencies: [],
        times: { registered_at: ago(3000) },
      },
    };
    const lookup: StatusLookup = async (unit) => {
      const status = statuses[unit];
      if (status) return status;
      throw Object.assign(new Error("not registered"), { code: "not_registered" });
    };
    const log = ProgressLog.start("", ["db"], 20, lookup, file.stream);
    await waitFor("a line", () => file.lines.length >= 1);
    log?.update(["typo"]);
    const seen = file.lines.length;
    await waitFor("a line about typo", () => file.lines.length > seen && file.lines.at(-1)?.includes("typo"));
    log?.stop();
    expect(file.lines[0]).toBe("Still waiting after 0s for [db]: db (registered 3s ago, not started)\n");
    expect(file.lines.at(-1)).toBe("Still waiting after 0s for [typo]: typo (not registered)\n");
  });

  test("an agent that does not answer the status still gets the plain line", async () => {
    const file = logFile();
    const log = ProgressLog.start("app", ["db"], 20, () => Promise.reject(new Error("gone")), file.stream);
    await waitFor("a line", () => file.lines.length >= 1);
    log?.stop();
    expect(file.lines[0]).toBe('Unit "app" still waiting after 0s for [db]\n');
  });

  test("nothing on a terminal, and nothing with an interval of 0", () => {
    const lookup: StatusLookup = async () => undefined;
    expect(ProgressLog.start("app", ["db"], 20, lookup, { isTTY: true, write: () => true })).toBeUndefined();
    expect(ProgressLog.start("app", ["db"], 0, lookup, logFile().stream)).toBeUndefined();
  });

  test("blockerState words every state", () => {
    const now = Date.parse("2026-01-01T00:01:00Z");
    expect(blockerState({ status: "started", since: "2026-01-01T00:00:35Z" }, now)).toBe("started 25s ago");
    expect(
      blockerState({ status: "failed", since: "2026-01-01T00:00:59Z", reason: "exit status 2" }, now),
    ).toBe("failed 1s ago: exit status 2");
    expect(blockerState({ status: "not registered" }, now)).toBe("not registered");
  });
});
