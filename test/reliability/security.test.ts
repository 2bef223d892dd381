/**
 * Who can reach the agent: the socket is 0600 in a 0700 directory whatever the umask, the agent
 * refuses a directory another user owns, one reached through a symbolic link, or one others may
 * write to, and it listens on nothing but its unix socket (no TCP, no UDP).
 */
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { syncInBackground, untilWaiting } from "../_background.ts";
import { BIN, cleanEnv, run, startAgent, sync, tempDir, waitFor } from "../_helpers.ts";

const isRoot = process.getuid?.() === 0;

describe("socket permissions", () => {
  test.concurrent("the socket is 0600 in a 0700 directory even under umask 000", async () => {
    using dir = tempDir();
    const socket = join(dir.path, "made", "by", "agent", "agent.sock");
    const proc = Bun.spawn(["sh", "-c", 'umask 000; exec "$BIN" agent --socket-path "$SOCK"'], {
      env: cleanEnv({ BIN, SOCK: socket }),
      stdout: "ignore",
      stderr: "pipe",
    });
    try {
      await waitFor("the agent to answer", async () => (await sync(socket, "ping")).exitCode === 0, 20_000);
      expect(statSync(join(dir.path, "made", "by", "agent")).mode & 0o7777).toBe(0o700);
      expect(statSync(socket).mode & 0o777).toBe(0o600);
      expect(statSync(socket).isSocket()).toBe(true);
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });

  test.concurrent.skipIf(!isRoot)("refuses a socket directory owned by another user", async () => {
    using dir = tempDir();
    const other = join(dir.path, "other");
    mkdirSync(other, { mode: 0o700 });
    chownSync(other, 65534, 65534);
    const socket = join(other, "agent.sock");
    const result = await run(["agent", "--socket-path", socket]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`error: refusing socket directory ${other}: it is owned by uid 65534`);
    expect(existsSync(socket)).toBe(false);
    // Clients pointed there are not served by anything either.
    const client = await sync(socket, "ping");
    expect(client.exitCode).toBe(3);
    expect(client.stderr).toContain(socket);
  });

  test.concurrent("refuses a socket directory reached through a symbolic link", async () => {
    using dir = tempDir();
    const real = join(dir.path, "real");
    mkdirSync(real, { mode: 0o700 });
    const link = join(dir.path, "link");
    symlinkSync(real, link);
    const result = await run(["agent", "--socket-path", join(link, "agent.sock")]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`error: refusing socket directory ${link}: it is a symbolic link`);
    expect(readdirSync(real)).toEqual([]);
  });

  test.concurrent("refuses a directory other users may write to, unless it is sticky like /tmp", async () => {
    using dir = tempDir();
    const shared = join(dir.path, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const refused = await run(["agent", "--socket-path", join(shared, "agent.sock")]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(
      `error: refusing socket directory ${shared}: it is writable by other users (mode 0777)`,
    );
    expect(readdirSync(shared)).toEqual([]);

    // With the sticky bit nobody can remove or replace another user's socket: accepted.
    chmodSync(shared, 0o1777);
    await using _agent = await startAgent(join(shared, "agent.sock"));
    expect(statSync(join(shared, "agent.sock")).mode & 0o777).toBe(0o600);
  });
});

describe("network exposure", () => {
  test.concurrent("neither the agent nor a waiting client has a TCP or UDP socket", async () => {
    using dir = tempDir();
    await using agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db");
    const client = syncInBackground(dir.socket, "start", "app");
    await untilWaiting(dir.socket, 1);
    // A control: a loopback TCP listener of this test process is seen by the same check.
    const control = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const ours = socketInodes(process.pid);
      expect([...ours].some((inode) => tableInodes(process.pid, "tcp").has(inode))).toBe(true);
      for (const pid of [agent.proc.pid, client.proc.pid]) {
        const inodes = socketInodes(pid);
        const unix = tableInodes(pid, "unix");
        // The check can see sockets at all: the process's unix socket is there.
        expect([...inodes].some((inode) => unix.has(inode))).toBe(true);
        for (const table of ["tcp", "tcp6", "udp", "udp6", "raw", "raw6"]) {
          const network = tableInodes(pid, table);
          expect({ pid, table, shared: [...inodes].filter((inode) => network.has(inode)) }).toEqual({
            pid,
            table,
            shared: [],
          });
        }
      }
    } finally {
      control.stop(true);
      client.proc.kill("SIGKILL");
      await client.done;
    }
  });
});

// --- internal ---

/** The inodes of every socket the process has open (from /proc/<pid>/fd). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1] as string);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return inodes;
}

/** The socket inodes listed in /proc/<pid>/net/<table> (all sockets of the process's namespace). */
function tableInodes(pid: number, table: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
  } catch {
    return new Set(); // that protocol is not available on this kernel
  }
  // Rows after the header; the inode is field 7 of a unix row ("Num RefCount Protocol Flags Type St
  // Inode Path") and field 10 of an inet row ("sl local rem st tx:rx tr:when retrnsmt uid timeout inode").
  const at = table === "unix" ? 6 : 9;
  return new Set(
    text
      .trim()
      .split("\n")
      .slice(1)
      .map((row) => row.trim().split(/\s+/)[at] ?? ""),
  );
}
