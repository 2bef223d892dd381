/** `unitsync agent stop`, and the README's tour, which uses it to leave nothing running. */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, cleanEnv, run, startAgent, tempDir } from "./_helpers.ts";

const ROOT = join(import.meta.dir, "..");

/** Whether a process with this pid exists (and is not a zombie). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("agent stop", () => {
  test.concurrent("stops the agent and returns once its process has exited and the socket is gone", async () => {
    using dir = tempDir();
    await using agent = await startAgent(dir.socket);
    const pid = agent.proc.pid;
    const result = await run(["agent", "stop", "--socket-path", dir.socket]);
    expect(result).toEqual({
      exitCode: 0,
      stdout: `Stopped the agent at ${dir.socket} (pid ${pid})\n`,
      stderr: "",
    });
    // No waiting here: when stop returns, the agent has already exited (its parent reaps it).
    expect(existsSync(dir.socket)).toBe(false);
    expect(await agent.proc.exited).toBe(0);
    expect(agent.log()).toContain("agent stopped");
  });

  test.concurrent("with no agent there it says so and exits 0", async () => {
    using dir = tempDir();
    expect(await run(["agent", "stop", "--socket-path", dir.socket])).toEqual({
      exitCode: 0,
      stdout: `No agent is serving ${dir.socket}\n`,
      stderr: "",
    });
  });

  test.concurrent("`agent --scripts stop` still reads stop as the directory, not the verb", async () => {
    using dir = tempDir();
    const result = await run(["agent", "--scripts", "stop", "--socket-path", dir.socket]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("stop: ");
  });
});

describe("the README's 60-second tour", () => {
  test("leaves no agent running, so the README's next step can start one on the same socket", async () => {
    using dir = tempDir();
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const tour = /## A 60-second tour[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(tour).toContain("unitsync agent stop");
    const bin = join(dir.path, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "unitsync"), `#!/bin/sh\nexec ${BIN} "$@"\n`);
    chmodSync(join(bin, "unitsync"), 0o755);
    const env = cleanEnv({
      UNITSYNC_AUTOSTART: "1",
      UNITSYNC_SOCKET_PATH: dir.socket,
      PATH: `${bin}:${process.env.PATH}`,
    });
    const proc = Bun.spawn(["sh", "-ec", tour as string], { env, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ exitCode, stderr: exitCode === 0 ? "" : stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(stdout).toContain("Stopped the agent at");
    const pid = Number(/\(pid (\d+)\)/.exec(stdout)?.[1]);
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir.socket)).toBe(false);

    // The next step of the README: the agent running a directory of scripts on the same socket.
    const scripts = join(dir.path, "startup.d");
    mkdirSync(scripts);
    writeFileSync(join(scripts, "hello.sh"), "#!/bin/sh\necho hello\n");
    chmodSync(join(scripts, "hello.sh"), 0o755);
    const next = await run(["agent", "--scripts", scripts, "--exit-when-done"], {
      env: { UNITSYNC_SOCKET_PATH: dir.socket },
    });
    expect(next.exitCode).toBe(0);
  });
});
