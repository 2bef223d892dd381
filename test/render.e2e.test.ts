/**
 * The views against a real agent: `graph`, `timeline` (table, JSON, SVG) and the `status` additions
 * (timestamps, "Waiting on"), after a small startup driven through the CLI.
 */
import { describe, expect, test } from "bun:test";
import { startAgent, sync, tempDir } from "./_helpers.ts";
import { allElements, hasClass, parseXml } from "./render/_support.ts";

/** clone -> deps -> ide (ide still waiting on an unregistered "secrets"), a failed "dotfiles". */
async function startup(socket: string): Promise<void> {
  const ok = async (...args: string[]) => {
    const result = await sync(socket, ...args);
    if (result.exitCode !== 0) throw new Error(`${args.join(" ")}: ${result.stderr}`);
  };
  await ok("want", "deps", "git-clone");
  await ok("want", "ide", "deps", "secrets");
  await ok("start", "git-clone");
  await ok("complete", "git-clone");
  await ok("start", "deps");
  await ok("complete", "deps");
  await ok("start", "dotfiles");
  await ok("fail", "dotfiles", "--reason", "exit status 1");
}

describe("views of a real startup", () => {
  test("graph -o json and -o dot show every unit, state and edge", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await startup(dir.socket);
    const json = await sync(dir.socket, "graph", "-o", "json");
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      nodes: [
        { unit_name: "deps", status: "completed", is_ready: true },
        { unit_name: "dotfiles", status: "failed", is_ready: true, reason: "exit status 1" },
        { unit_name: "git-clone", status: "completed", is_ready: true },
        { unit_name: "ide", status: "pending", is_ready: false },
        { unit_name: "secrets", status: "not registered", is_ready: true },
      ],
      edges: [
        { unit: "deps", depends_on: "git-clone", is_satisfied: true },
        { unit: "ide", depends_on: "deps", is_satisfied: true },
        { unit: "ide", depends_on: "secrets", is_satisfied: false },
      ],
    });
    const dot = await sync(dir.socket, "graph");
    expect(dot.exitCode).toBe(0);
    expect(dot.stdout).toContain('[label="secrets\\nnot registered"');
    expect(dot.stdout.match(/^ {2}n\d+ -> n\d+;$/gm)).toHaveLength(3);
    const mermaid = await sync(dir.socket, "graph", "-o", "mermaid");
    expect(mermaid.stdout.split("\n")[1]).toBe("flowchart LR");
  });

  test("timeline: table with the critical path, JSON, and an SVG chart", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await startup(dir.socket);
    const json = JSON.parse((await sync(dir.socket, "timeline", "-o", "json")).stdout);
    expect(json.units.map((u: { unit_name: string }) => u.unit_name)).toEqual([
      "git-clone",
      "deps",
      "dotfiles",
      "ide",
      "secrets",
    ]);
    expect(json.critical_path.units).toEqual(["dotfiles"]);
    const deps = json.units[1];
    expect(deps.started_ms).toBeGreaterThanOrEqual(json.units[0].finished_ms);
    expect(deps.ran_ms).toBe(deps.finished_ms - deps.started_ms);

    const table = await sync(dir.socket, "timeline");
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^UNIT\s+STATUS\s+REGISTERED\s+START ASKED\s+STARTED\s+FINISHED\s+WAITED\s+RAN\s+CRITICAL$/,
    );
    // Times are printed as formatDuration does: "840ms", "1.25s" (a loaded machine passes 1 s).
    const time = String.raw`(?:\d+ms|\d+(?:\.\d+)?s|(?:\d+h)?(?:\d+m)?\d+s)`;
    expect(lines[lines.length - 1]).toMatch(
      new RegExp(`^Critical path \\(${time}, \\+${time} to \\+${time}\\): dotfiles \\(dotfiles failed\\)$`),
    );
    const unknown = await sync(dir.socket, "timeline", "-c", "unit,nope");
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toStartWith('error: unknown column "nope"');
    const only = await sync(dir.socket, "timeline", "-c", "unit,status");
    expect(only.stdout.split("\n").slice(0, 2)).toEqual(["UNIT       STATUS", "git-clone  completed"]);

    const svg = await sync(dir.socket, "timeline", "-o", "svg");
    expect(svg.exitCode).toBe(0);
    const rows = allElements(parseXml(svg.stdout)).filter((el) => hasClass(el, "row"));
    expect(rows.map((row) => [row.attrs["data-unit"], row.attrs["data-status"]])).toEqual([
      ["git-clone", "completed"],
      ["deps", "completed"],
      ["dotfiles", "failed"],
      ["ide", "pending"],
      ["secrets", "not registered"],
    ]);
  });

  test("status adds the timestamps and what a unit is really waiting on, after Coder's lines", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "ide-setup", "git-clone");
    await sync(dir.socket, "start", "git-clone");
    const table = await sync(dir.socket, "status", "ide-setup", "--details");
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 8)).toEqual([
      "Unit: ide-setup",
      "Status: pending",
      "Ready: false",
      "",
      "Dependencies:",
      "DEPENDS ON  REQUIRED STATUS  CURRENT STATUS  SATISFIED  ",
      "git-clone   completed        started         false      ",
      "",
    ]);
    expect(lines[8]).toMatch(/^Registered: {6}\d{4}-\d\d-\d\dT[\d:.]+Z \(\d+(ms|\.?\d*s) ago\)$/);
    expect(lines[9]).toMatch(/^Waiting on: ide-setup -> git-clone \(started \d+(ms|\.?\d*s) ago\)$/);
    expect(lines).toHaveLength(10);

    const json = JSON.parse((await sync(dir.socket, "status", "ide-setup", "-o", "json")).stdout);
    expect(Object.keys(json)).toEqual([
      "unit_name",
      "status",
      "is_ready",
      "dependencies",
      "times",
      "waiting_on",
      "blocker",
    ]);
    expect(json.waiting_on).toEqual(["ide-setup", "git-clone"]);
    expect(json.blocker).toEqual({ unit_name: "git-clone", status: "started", since: expect.any(String) });

    await sync(dir.socket, "complete", "git-clone");
    const ready = JSON.parse((await sync(dir.socket, "status", "ide-setup", "-o", "json")).stdout);
    expect(ready.is_ready).toBe(true);
    expect(ready.waiting_on).toBeUndefined();
  });
});
