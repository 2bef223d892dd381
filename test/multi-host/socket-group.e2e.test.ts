/**
 * `agent --socket-group`: one agent shared by several users (containers of one pod that run as
 * different uids). The agent runs as root here; clients run under other uids through setpriv(1),
 * with or without the group, so no user account is created. Skipped, with a line saying so, when
 * the tests do not run as root or setpriv is missing.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { BIN, cleanEnv, run, startAgent } from "../_helpers.ts";

const GID = 4242;
const MEMBER = 23_456;
const STRANGER = 23_457;

const cannot =
  process.getuid?.() !== 0 ? "not running as root" : !Bun.which("setpriv") ? "setpriv is missing" : "";
if (cannot) console.error(`skip: agent --socket-group tests need root and setpriv (${cannot})`);

/** A world-traversable temp dir (the other uids must reach the socket's directory inside it). */
function sharedDir() {
  const path = mkdtempSync("/tmp/us-grp-");
  chmodSync(path, 0o755);
  return {
    path,
    socket: join(path, "sock", "agent.sock"),
    [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** `unitsync exp sync <args>` as another user: `uid`, in the group or not. */
async function syncAs(uid: number, groups: number[], socket: string, ...args: string[]) {
  const setpriv = [
    "setpriv",
    `--reuid=${uid}`,
    `--regid=${uid}`,
    groups.length ? `--groups=${groups.join(",")}` : "--clear-groups",
  ];
  const proc = Bun.spawn([...setpriv, BIN, "exp", "sync", ...args, "--socket-path", socket], {
    env: cleanEnv({ HOME: "/tmp" }),
    cwd: "/tmp",
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

describe.skipIf(cannot !== "")("agent --socket-group", () => {
  test("socket 0660 and directory 0750 in the group; a member uses the agent, another user cannot", async () => {
    using dir = sharedDir();
    await using agent = await startAgent(dir.socket, ["--socket-group", String(GID)]);
    const dirStats = statSync(join(dir.path, "sock"));
    const sockStats = statSync(dir.socket);
    expect({
      dir: dirStats.mode & 0o7777,
      dirGid: dirStats.gid,
      sock: sockStats.mode & 0o777,
      sockGid: sockStats.gid,
    }).toEqual({
      dir: 0o2750,
      dirGid: GID,
      sock: 0o660,
      sockGid: GID,
    });
    expect(await syncAs(MEMBER, [GID], agent.socket, "want", "app", "db")).toMatchObject({
      exitCode: 0,
      stdout: 'Unit "app" declared dependencies: [db]\n',
    });
    // The agent's own user (root, as an init container would run it) sees the member's change.
    expect((await run(["exp", "sync", "list", "--socket-path", agent.socket])).stdout).toContain("app");
    const stranger = await syncAs(STRANGER, [], agent.socket, "ping");
    expect(stranger.exitCode).toBe(3);
    expect(stranger.stderr).toStartWith(
      `error: cannot reach the unitsync agent at ${agent.socket}: permission denied`,
    );
  });

  test("a member refuses the directory once it is open any wider than the agent made it", async () => {
    using dir = sharedDir();
    await using agent = await startAgent(dir.socket, ["--socket-group", String(GID)]);
    expect((await syncAs(MEMBER, [GID], agent.socket, "ping")).exitCode).toBe(0);
    // Group-writable: any member could replace the socket and answer in the agent's name.
    chmodSync(join(dir.path, "sock"), 0o2770);
    const refused = await syncAs(MEMBER, [GID], agent.socket, "ping");
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain("cannot be trusted");
  });

  test("a group name is looked up; an unknown one is a usage error", async () => {
    using dir = sharedDir();
    await using agent = await startAgent(dir.socket, ["--socket-group", "root"]);
    expect(statSync(dir.socket).gid).toBe(0);
    const unknown = await run([
      "agent",
      "--socket-path",
      join(dir.path, "b", "agent.sock"),
      "--socket-group",
      "no-such-group-here",
    ]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toStartWith('error: unknown group "no-such-group-here" for --socket-group\n');
    expect(agent.log()).not.toContain("error");
  });

  test("without --socket-group the socket stays private to its user", async () => {
    using dir = sharedDir();
    await using agent = await startAgent(dir.socket);
    expect(statSync(join(dir.path, "sock")).mode & 0o777).toBe(0o700);
    expect(statSync(dir.socket).mode & 0o777).toBe(0o600);
    expect((await syncAs(MEMBER, [GID], agent.socket, "ping")).exitCode).toBe(3);
  });
});
