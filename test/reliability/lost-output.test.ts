/**
 * Lost output: the agent's stderr reader goes away (a pipe whose reader exited), or a script's log
 * file cannot be written. The agent keeps serving with its state, and the scripts keep running.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, cleanEnv, sync, tempDir, waitFor } from "../_helpers.ts";

describe("lost output", () => {
  for (const format of ["text", "json"]) {
    test.concurrent(`EPIPE on stderr (--log-format ${format}) does not stop the agent`, async () => {
      using dir = tempDir();
      const proc = Bun.spawn([BIN, "agent", "--socket-path", dir.socket, "--log-format", format], {
        env: cleanEnv(),
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      try {
        // Read the first log line, then hang up: every later log line meets a closed pipe.
        const reader = proc.stderr.getReader();
        await reader.read();
        await reader.cancel();
        await waitFor("the agent to answer", async () => (await sync(dir.socket, "ping")).exitCode === 0);
        for (let i = 0; i < 10; i++)
          expect((await sync(dir.socket, "want", `u${i}`, "dep")).exitCode).toBe(0);
        const listed = await sync(dir.socket, "list", "-o", "json");
        expect(listed.exitCode).toBe(0);
        expect(JSON.parse(listed.stdout)).toHaveLength(10);
        expect(proc.exitCode).toBeNull();
        proc.kill("SIGTERM");
        const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
        expect(code).toBe(0);
        // Said once, on what still works.
        expect(stdout.match(/cannot write to stderr/g)).toEqual(["cannot write to stderr"]);
      } finally {
        proc.kill("SIGKILL");
      }
    });
  }
});

describe("a full disk under --log-dir", () => {
  // A 64 KiB file system of the agent's own (a private mount namespace): the log fills it at once.
  // Not root: a user namespace too (where the kernel allows one), in which the mount is allowed.
  const unshare = Bun.which("unshare");
  const namespace = [unshare ?? "unshare", ...(process.getuid?.() === 0 ? [] : ["--map-root-user"])];
  const probe = unshare
    ? Bun.spawnSync([
        ...namespace,
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mount -t tmpfs -o size=64k tmpfs /mnt",
      ])
    : undefined;
  const canMount = probe?.exitCode === 0;
  if (!canMount) console.log("skip: a full disk under --log-dir (needs unshare and a private tmpfs mount)");

  test
    .skipIf(!canMount)
    .concurrent("ENOSPC never blocks the script: warned once, output kept on stderr", async () => {
      using dir = tempDir();
      const scripts = join(dir.path, "d");
      const logs = join(dir.path, "logs");
      mkdirSync(scripts);
      mkdirSync(logs, { mode: 0o700 });
      // A megabyte of output: far past the file system, and far past a pipe's buffer.
      writeFileSync(
        join(scripts, "noisy"),
        '#!/bin/sh\ni=0\nwhile [ $i -lt 16384 ]; do echo "line $i ................................................"; i=$((i+1)); done\necho last line\n',
        { mode: 0o755 },
      );
      const agent = [
        BIN,
        "agent",
        "--socket-path",
        dir.socket,
        "--exit-when-done",
        "--timeout",
        "30s",
        "--scripts",
        scripts,
        "--log-dir",
        logs,
      ];
      const command = `mount -t tmpfs -o size=64k tmpfs "$1" && shift && exec "$@"`;
      const proc = Bun.spawn(
        [...namespace, "--mount", "--propagation", "private", "sh", "-c", command, "sh", logs, ...agent],
        {
          env: cleanEnv(),
          stdin: "ignore",
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      const [stderr, exitCode] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
      expect(exitCode).toBe(0);
      expect(stderr.match(/cannot write .*noisy\.log \(ENOSPC\)/g)).toHaveLength(1);
      expect(stderr).toContain("[noisy] last line");
    });
});
