/**
 * An agent under a hard descriptor limit (`ulimit -n 64`) with more clients than that: it keeps a
 * reserve, refuses the extra requests at once (503 "busy"), says so once in its log, does not spin,
 * and the clients it holds are served normally afterwards.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { BIN, cleanEnv, sync, tempDir, waitFor } from "../_helpers.ts";

const linux = process.platform === "linux";
if (!linux) console.log("skip: descriptor exhaustion (the guard reads /proc: Linux only)");

/** CPU time (user + system) of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

describe("descriptor exhaustion", () => {
  test.skipIf(!linux)(
    "past `ulimit -n 64`: extra requests refused at once, logged once, no spin",
    async () => {
      using dir = tempDir();
      const agent = Bun.spawn(
        ["sh", "-c", `ulimit -n 64 && exec "$0" agent --socket-path "$1"`, BIN, dir.socket],
        {
          env: cleanEnv(),
          stdin: "ignore",
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      let log = "";
      const drained = (async () => {
        for await (const chunk of agent.stderr) log += new TextDecoder().decode(chunk);
      })();
      const clients: Promise<unknown>[] = [];
      try {
        await waitFor("the agent to answer", async () => (await sync(dir.socket, "ping")).exitCode === 0);
        // 150 held starts: more than the agent can hold descriptors for.
        for (let i = 0; i < 150; i++) {
          clients.push(
            fetch("http://agent/v1/start", {
              unix: dir.socket,
              method: "POST",
              body: JSON.stringify({ unit: `u${i}`, depends_on: ["gate"], timeout_ms: 0 }),
            }).then(
              async (res) => {
                if (res.status === 503) return (await res.json()).error.code;
                // A held start: its stream ends with "started" once the gate completes.
                return (await res.text()).includes('"type":"started"') ? "started" : res.status;
              },
              (error) => String((error as { code?: string }).code ?? error),
            ),
          );
        }
        await waitFor("the extra requests to be refused", async () => {
          const settled = await Promise.all(
            clients.map((c) => Promise.race([c, Promise.resolve("pending")])),
          );
          return settled.filter((answer) => answer === "busy").length >= 50;
        });
        // Not spinning: an accept loop stuck on EMFILE burns a whole core.
        const before = cpuTicks(agent.pid);
        await Bun.sleep(1000); // a measurement window, not a synchronisation
        expect(cpuTicks(agent.pid) - before).toBeLessThan(50);
        expect(log.match(/out of file descriptors/g)).toHaveLength(1);
        // The held clients are served normally: short requests still get in, so the gate they wait
        // for can be declared and completed.
        expect((await sync(dir.socket, "want", "gate", "seed")).exitCode).toBe(0);
        expect((await sync(dir.socket, "complete", "gate")).exitCode).toBe(0);
        const answers = await Promise.all(clients);
        const held = answers.filter((answer) => answer === "started").length;
        expect(held).toBeGreaterThan(10);
        expect(held + answers.filter((answer) => answer === "busy").length).toBe(150);
      } finally {
        agent.kill("SIGKILL");
        await drained;
      }
    },
  );
});
