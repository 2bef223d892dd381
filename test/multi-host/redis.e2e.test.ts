/**
 * Three agents, each on its own socket, share one graph through a real redis-server (started by the
 * test on a unix socket in its own temp dir). Scripts talk to their local agent as before; every
 * rule holds across agents, and every fault of the store ends in a clear answer.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { background } from "../_background.ts";
import { type AgentProcess, startAgent, sync, waitFor } from "../_helpers.ts";
import { type RedisServer, startRedis } from "../_redis.ts";
import { missing } from "../_tools.ts";

const LEASE = ["--lease", "2s", "--lease-renew", "500ms"];

/** Three agents A, B and C on one namespace of `redis`. */
async function threeAgents(redis: RedisServer, namespace = "ws") {
  const start = (name: string) =>
    startAgent(join(redis.dir, `${name}.sock`), ["--store", redis.url, "--namespace", namespace, ...LEASE]);
  const [a, b, c] = await Promise.all([start("a"), start("b"), start("c")]);
  return {
    a,
    b,
    c,
    async [Symbol.asyncDispose]() {
      await Promise.all([a, b, c].map((agent) => agent[Symbol.asyncDispose]()));
    },
  } as { a: AgentProcess; b: AgentProcess; c: AgentProcess; [Symbol.asyncDispose](): Promise<void> };
}

describe.skipIf(missing("redis-server"))("agents sharing one graph through Redis", () => {
  test("a start on A is released by a complete on B; C sees the same graph", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b, c } = agents;
    expect((await sync(a.socket, "want", "app", "db")).exitCode).toBe(0);
    const waiting = background(["exp", "sync", "start", "app", "--socket-path", a.socket]);
    await waiting.saw('Unit "app" is waiting for dependencies to be satisfied: [db]');
    expect((await sync(b.socket, "start", "db")).stdout).toBe('Unit "db" started with no dependencies\n');
    expect(await sync(b.socket, "complete", "db")).toMatchObject({ exitCode: 0, stdout: "Success\n" });
    expect(await waiting.done).toMatchObject({
      exitCode: 0,
      stdout:
        'Unit "app" is waiting for dependencies to be satisfied: [db]\nUnit "app" finished waiting for dependencies: [db]\n',
    });
    const list = await sync(c.socket, "list", "-o", "json");
    expect(JSON.parse(list.stdout)).toEqual([
      { unit_name: "app", status: "started", is_ready: true },
      { unit_name: "db", status: "completed", is_ready: true },
    ]);
  });

  test("every view answers the same on every agent: status, list, graph, timeline, events", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b, c } = agents;
    await sync(a.socket, "want", "app", "db", "cache");
    await sync(b.socket, "start", "db");
    await sync(b.socket, "complete", "db");
    await sync(c.socket, "fail", "cache", "--reason", "disk full");
    const views = [
      ["status", "app", "-o", "json"],
      ["list", "-o", "json"],
      ["graph", "-o", "json"],
      ["graph", "-o", "dot"],
      ["timeline", "-o", "json"],
      ["events", "-o", "json"],
    ];
    for (const view of views) {
      const answers = await Promise.all([a, b, c].map((agent) => sync(agent.socket, ...view)));
      for (const answer of answers) expect(answer.exitCode).toBe(0);
      // The same state, in the same order, with the same times: the copies agree exactly (but for
      // the timeline's "now", the moment each answered).
      const same = answers.map((answer) => answer.stdout.replace(/"now_ms": \d+/, '"now_ms": 0'));
      expect(same[1]).toBe(same[0] as string);
      expect(same[2]).toBe(same[0] as string);
    }
    expect(JSON.parse((await sync(c.socket, "status", "app", "-o", "json")).stdout).dependencies).toEqual([
      { depends_on: "cache", required_status: "completed", current_status: "failed", is_satisfied: false },
      { depends_on: "db", required_status: "completed", current_status: "completed", is_satisfied: true },
    ]);
  });

  test("a target declared on A completes by itself when its members complete on B and C; a started-only edge", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b, c } = agents;
    expect((await sync(a.socket, "target", "infra", "db", "cache")).exitCode).toBe(0);
    expect((await sync(a.socket, "want", "tail", "db", "--required-status", "started")).exitCode).toBe(0);
    const waiting = background(["exp", "sync", "wait", "infra", "--socket-path", c.socket]);
    const tail = background(["exp", "sync", "start", "tail", "--socket-path", a.socket]);
    await tail.saw("is waiting for dependencies");
    expect((await sync(b.socket, "start", "db")).exitCode).toBe(0);
    // Started is enough for tail; infra still waits for both members to complete.
    expect((await tail.done).exitCode).toBe(0);
    await sync(b.socket, "complete", "db");
    await sync(c.socket, "start", "cache");
    await sync(c.socket, "complete", "cache");
    expect((await waiting.done).exitCode).toBe(0);
    for (const agent of [a, b, c]) {
      expect(JSON.parse((await sync(agent.socket, "status", "infra", "-o", "json")).stdout).status).toBe(
        "completed",
      );
    }
  });

  test("wait on C ends when units complete on A and B; events on C show the changes made elsewhere", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b, c } = agents;
    const waiting = background(["exp", "sync", "wait", "x", "y", "--socket-path", c.socket]);
    await waitFor("C's wait to be held", async () => {
      const ping = await (await fetch("http://unitsync/v1/ping", { unix: c.socket })).json();
      return ping.waiters === 1;
    });
    await sync(a.socket, "start", "x");
    await sync(a.socket, "complete", "x");
    await sync(b.socket, "start", "y");
    await sync(b.socket, "complete", "y");
    expect((await waiting.done).exitCode).toBe(0);
    const events = await sync(c.socket, "events", "-o", "json");
    expect(
      events.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).type),
    ).toEqual(["registered", "started", "completed", "registered", "started", "completed"]);
  });

  test("the two halves of a cycle from two agents at once: exactly one is refused, naming the cycle", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const [ab, ba] = await Promise.all([
      sync(agents.a.socket, "want", "x", "y"),
      sync(agents.b.socket, "want", "y", "x"),
    ]);
    const codes = [ab.exitCode, ba.exitCode].sort();
    expect(codes).toEqual([0, 1]);
    const refused = ab.exitCode === 1 ? ab : ba;
    expect(refused.stderr).toMatch(/^error: cycle detected: (x -> y -> x|y -> x -> y)\n/);
  });

  test("a multi-dependency want is atomic across agents: a cycle through one edge adds none", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    expect((await sync(agents.a.socket, "want", "db", "app")).exitCode).toBe(0);
    const refused = await sync(agents.b.socket, "want", "app", "cache", "db", "queue");
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toStartWith("error: cycle detected: app -> db -> app\n");
    const status = JSON.parse((await sync(agents.c.socket, "status", "app", "-o", "json")).stdout);
    expect(status.dependencies).toEqual([]);
  });

  test("three agents start the same unit when its dependency completes: exactly one wins", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b, c } = agents;
    await sync(a.socket, "want", "u", "d");
    const starts = [a, b, c].map((agent) =>
      background(["exp", "sync", "start", "u", "--socket-path", agent.socket]),
    );
    // Only one of them can be waiting for d: the others are refused (already waiting is fine, already
    // started is not) or wait too; all three are held or answered before d completes.
    await Promise.all(starts.map((s) => s.saw("is waiting for dependencies")));
    await sync(c.socket, "start", "d");
    await sync(c.socket, "complete", "d");
    const results = await Promise.all(starts.map((s) => s.done));
    expect(results.map((r) => r.exitCode).sort()).toEqual([0, 1, 1]);
    for (const r of results.filter((r) => r.exitCode === 1)) {
      expect(r.stderr).toStartWith('error: unit "u" is already started\n');
    }
  });

  test("fail on B ends a start waiting on A at once, with the dependency-failed code", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    await sync(agents.a.socket, "want", "app", "db");
    const waiting = background(["exp", "sync", "start", "app", "--socket-path", agents.a.socket]);
    await waiting.saw("is waiting for dependencies");
    expect((await sync(agents.b.socket, "fail", "db", "--reason", "boom")).exitCode).toBe(0);
    const result = await waiting.done;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain("dependency failed: app -> db: db failed: boom");
  });

  test("a run wrapper killed on A fails its unit, and a start waiting on B exits 4 at once", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b } = agents;
    const job = background(["exp", "sync", "run", "job", "--socket-path", a.socket, "--", "sleep", "30"]);
    await waitFor("job to be started", async () => {
      const status = await sync(b.socket, "status", "job", "-o", "json");
      return status.exitCode === 0 && JSON.parse(status.stdout).status === "started";
    });
    await sync(b.socket, "want", "after", "job");
    const waiting = background(["exp", "sync", "start", "after", "--socket-path", b.socket]);
    await waiting.saw("is waiting for dependencies");
    // The wrapper dies without a word; its command would run on alone, so it is stopped too.
    const children = readFileSync(`/proc/${job.proc.pid}/task/${job.proc.pid}/children`, "utf8")
      .trim()
      .split(/\s+/);
    job.proc.kill("SIGKILL");
    for (const pid of children.filter(Boolean)) process.kill(Number(pid), "SIGKILL");
    const result = await waiting.done;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('after -> job: job failed: run wrapper for "job" went away');
  });

  test("SIGKILL of the agent holding a started unit: its dependents elsewhere exit 4 within lease + 1 s", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b } = agents;
    expect((await sync(b.socket, "start", "db")).exitCode).toBe(0);
    await sync(a.socket, "want", "app", "db");
    const waiting = background(["exp", "sync", "start", "app", "--socket-path", a.socket]);
    await waiting.saw("is waiting for dependencies");
    b.proc.kill("SIGKILL");
    const killedAt = performance.now();
    const result = await waiting.done;
    expect(result.exitCode).toBe(4);
    expect((waiting.exitedAt() ?? 0) - killedAt).toBeLessThan(2000 + 1000);
    expect(result.stderr).toContain(`app -> db: db failed: the agent on host `);
    expect(result.stderr).toContain(`(pid ${b.proc.pid}) that started it stopped renewing its lease`);
  });

  test("an agent cut off longer than its lease: its unit fails everywhere; back, it refuses its script's complete", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b } = agents;
    expect((await sync(b.socket, "start", "db")).exitCode).toBe(0);
    await sync(a.socket, "want", "app", "db");
    b.proc.kill("SIGSTOP");
    try {
      const failed = await waitFor("A to see db failed", async () => {
        const status = JSON.parse((await sync(a.socket, "status", "db", "-o", "json")).stdout);
        return status.status === "failed" ? status : undefined;
      });
      expect(failed.unit_name).toBe("db");
    } finally {
      b.proc.kill("SIGCONT");
    }
    const complete = await waitFor("B to answer again", async () => {
      const r = await sync(b.socket, "complete", "db");
      return r.exitCode === 3 ? undefined : r;
    });
    expect(complete.exitCode).toBe(1);
    expect(complete.stderr).toStartWith(
      'error: unit "db" has failed; start it again to retry before completing it\n',
    );
    await waitFor("B's warning about its lease", () => b.log().includes("had expired and was taken again"));
  });

  test("Redis stopped (SIGSTOP): clients get one line naming the store (exit 3); a held wait resumes after SIGCONT", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b } = agents;
    await sync(a.socket, "want", "app", "db");
    const waiting = background(["exp", "sync", "start", "app", "--socket-path", a.socket]);
    await waiting.saw("is waiting for dependencies");
    await sync(a.socket, "want", "web", "db");
    const bounded = background([
      "exp",
      "sync",
      "start",
      "web",
      "--timeout",
      "1500ms",
      "--socket-path",
      a.socket,
    ]);
    await bounded.saw("is waiting for dependencies");
    redis.signal("SIGSTOP");
    try {
      // A held wait whose timeout comes while the store is away ends with the store's error.
      const ended = await bounded.done;
      expect(ended.exitCode).toBe(3);
      expect(ended.stderr).toContain(
        `the shared store redis+unix://${redis.socket} (namespace ws) is unreachable`,
      );
      const status = await sync(b.socket, "status", "db");
      expect(status.exitCode).toBe(3);
      expect(status.stderr).toMatch(
        new RegExp(
          `^error: the shared store redis\\+unix://${redis.socket} \\(namespace ws\\) is unreachable: .*\\n`,
        ),
      );
      expect(status.stdout).toBe("");
    } finally {
      redis.signal("SIGCONT");
    }
    await waitFor("B to answer again", async () => (await sync(b.socket, "start", "db")).exitCode === 0);
    expect((await sync(b.socket, "complete", "db")).exitCode).toBe(0);
    expect((await waiting.done).exitCode).toBe(0);
  });

  test("Redis killed and restarted empty: the reset is reported, waits end with it (exit 3), nothing hangs", async () => {
    await using redis = await startRedis();
    await using agents = await threeAgents(redis);
    const { a, b } = agents;
    await sync(a.socket, "want", "app", "db");
    const waiting = background(["exp", "sync", "start", "app", "--socket-path", a.socket]);
    await waiting.saw("is waiting for dependencies");
    await redis.restartEmpty();
    const result = await waiting.done;
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain("was reset (restarted empty or flushed)");
    const list = await waitFor("B to notice the reset", async () => {
      const r = await sync(b.socket, "list");
      return r.exitCode === 3 ? r : undefined;
    });
    expect(list.stderr).toContain("was reset (restarted empty or flushed)");
  });
});

describe.skipIf(missing("redis-server"))("agent --scripts over a shared store", () => {
  test("a script on host B waits for a script on host A; a failure on A stops B's dependent", async () => {
    await using redis = await startRedis();
    const dirA = join(redis.dir, "a.d");
    const dirB = join(redis.dir, "b.d");
    for (const dir of [dirA, dirB]) mkdirSync(dir);
    const script = (dir: string, name: string, body: string) =>
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    script(dirA, "db.sh", "echo db ready");
    script(dirA, "broken.sh", "exit 3");
    script(dirB, "app.sh", "# unitsync: want=db\necho app ran");
    script(dirB, "after-broken.sh", "# unitsync: want=broken\necho never");
    const agent = (name: string, dir: string) =>
      background([
        "agent",
        "--socket-path",
        join(redis.dir, `${name}.sock`),
        "--store",
        redis.url,
        ...LEASE,
        "--scripts",
        dir,
        "--exit-when-done",
      ]);
    // B first: its scripts wait for units that only A's scripts provide.
    const b = agent("b", dirB);
    await b.saw("running 2 scripts");
    const a = agent("a", dirA);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.exitCode).toBe(1);
    expect(rb.exitCode).toBe(1);
    expect(rb.stderr).toContain("[app] app ran");
    expect(rb.stderr).not.toContain("never");
    expect(rb.stderr).toMatch(/after-broken\s+not run\s/);
    expect(rb.stderr).toContain("dependency failed: after-broken -> broken: broken failed: exit status 3");
  });
});

const noOpenssl = !Bun.which("openssl");
if (noOpenssl && !missing("redis-server"))
  console.error("skip: the rediss:// tests need openssl to make a certificate");

describe.skipIf(missing("redis-server") || noOpenssl)("agent --store rediss:// (TLS)", () => {
  test("agents share a graph over TLS once they trust the server's CA; without it, one line and exit 3", async () => {
    await using redis = await startRedis({ tls: true });
    const tls = redis.tls as { url: string; ca: string };
    const start = (name: string) =>
      startAgent(join(redis.dir, `${name}.sock`), ["--store", tls.url, ...LEASE], {
        NODE_EXTRA_CA_CERTS: tls.ca,
      });
    await using a = await start("a");
    await using b = await start("b");
    await sync(a.socket, "want", "app", "db");
    await sync(b.socket, "start", "db");
    await sync(b.socket, "complete", "db");
    expect((await sync(a.socket, "start", "app")).stdout).toBe(
      'Unit "app" started immediately, dependencies already satisfied: [db]\n',
    );
    const untrusted = await background([
      "agent",
      "--socket-path",
      join(redis.dir, "c.sock"),
      "--store",
      tls.url,
    ]).done;
    expect(untrusted.exitCode).toBe(3);
    expect(untrusted.stderr).toContain(
      `error: the shared store ${tls.url}/0 (namespace default) is unreachable: TLS: the server's certificate was refused (DEPTH_ZERO_SELF_SIGNED_CERT); trust its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem\n`,
    );
  });
});

describe.skipIf(missing("redis-server"))("agent --store faults at start-up", () => {
  test("a wrong password: one line naming the store, exit 3, never the password", async () => {
    await using redis = await startRedis({ password: "correct-horse" });
    const url = redis.url.replace("correct-horse", "battery-staple");
    const agent = background(["agent", "--socket-path", join(redis.dir, "a.sock"), "--store", url]);
    const result = await agent.done;
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(
      `error: the shared store redis+unix://${redis.socket} (namespace default) is unreachable: wrong user name or password\n`,
    );
    expect(result.stderr + result.stdout).not.toContain("battery-staple");
  });

  test("a store that is not there: one line naming it, exit 3", async () => {
    await using redis = await startRedis();
    const agent = background([
      "agent",
      "--socket-path",
      join(redis.dir, "a.sock"),
      "--store",
      `redis+unix://${redis.dir}/nothing.sock`,
    ]);
    const result = await agent.done;
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(
      `error: the shared store redis+unix://${redis.dir}/nothing.sock (namespace default) is unreachable: no such socket\n`,
    );
  });

  test("the credentials never reach the agent's log or ping", async () => {
    await using redis = await startRedis({ password: "hunter2-secret" });
    await using agent = await startAgent(join(redis.dir, "a.sock"), ["--store", redis.url]);
    expect(await sync(agent.socket, "ping")).toMatchObject({ exitCode: 0, stdout: "Success\n" });
    const ping = await (await fetch("http://unitsync/v1/ping", { unix: agent.socket })).json();
    expect(ping.store).toEqual({ url: `redis+unix://${redis.socket} (namespace default)`, health: "synced" });
    expect(JSON.stringify(ping) + agent.log()).not.toContain("hunter2-secret");
    expect(agent.log()).toContain(
      `sharing the graph through redis+unix://${redis.socket} (namespace default)`,
    );
  });
});
