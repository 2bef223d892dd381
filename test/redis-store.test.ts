/**
 * The shared store below the agent, against a real redis-server: several copies of the graph (one
 * per simulated agent, in this process) share one namespace. The end-to-end suite runs real agents.
 */
import { describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { RedisClient } from "bun";
import { AgentState } from "../src/agent/state.ts";
import { RedisLog } from "../src/agent/store/redis.ts";
import { SharedGraph } from "../src/agent/store/shared.ts";
import { parseStoreUrl } from "../src/agent/store/url.ts";
import { waitFor } from "./_helpers.ts";
import { startRedis } from "./_redis.ts";
import { missing } from "./_tools.ts";

interface Copy {
  state: AgentState;
  shared: SharedGraph;
  id: string;
}

async function copy(url: string, namespace: string, options: { leaseMs?: number; timeoutMs?: number } = {}) {
  const id = crypto.randomUUID().slice(0, 8);
  const state = new AgentState();
  const member = { id, host: hostname(), pid: process.pid };
  const log = new RedisLog({
    address: parseStoreUrl(url),
    namespace,
    member,
    leaseMs: options.leaseMs ?? 5000,
    timeoutMs: options.timeoutMs ?? 1000,
  });
  const shared = new SharedGraph({
    state,
    log,
    member,
    renewMs: 200,
    leaseMs: options.leaseMs ?? 5000,
    timeoutMs: options.timeoutMs ?? 1000,
  });
  await shared.open();
  return { state, shared, id } satisfies Copy;
}

describe.skipIf(missing("redis-server"))("shared store (redis)", () => {
  test("a change made through one copy is seen by the others, in the same order", async () => {
    await using redis = await startRedis();
    const [a, b, c] = [await copy(redis.url, "t"), await copy(redis.url, "t"), await copy(redis.url, "t")];
    await a.shared.perform([{ t: "want", unit: "app", deps: ["db", "cache"] }]);
    await b.shared.perform([{ t: "request", unit: "db" }]);
    await b.shared.perform([{ t: "started", unit: "db", host: "h", pid: 1 }]);
    await c.shared.perform([{ t: "complete", unit: "db" }]);
    for (const { shared } of [a, b, c]) await shared.sync();
    for (const { state } of [a, b, c]) {
      expect(state.read((g) => g.status("db"))).toBe("completed");
      expect(state.read((g) => g.unmetDependencies("app"))).toEqual(["cache"]);
    }
    // A copy that joins later replays the whole log.
    const late = await copy(redis.url, "t");
    expect(late.state.read((g) => g.units())).toEqual(a.state.read((g) => g.units()));
    for (const { shared } of [a, b, c, late]) await shared.close();
  });

  test("two halves of a cycle added at the same instant: exactly one is refused, and it names the cycle", async () => {
    await using redis = await startRedis();
    const [a, b] = [await copy(redis.url, "t"), await copy(redis.url, "t")];
    const results = await Promise.allSettled([
      a.shared.perform([{ t: "want", unit: "x", deps: ["y"] }]),
      b.shared.perform([{ t: "want", unit: "y", deps: ["x"] }]),
    ]);
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused).toHaveLength(1);
    expect(String((refused[0] as PromiseRejectedResult).reason.message)).toMatch(
      /^cycle detected: (x -> y -> x|y -> x -> y)$/,
    );
    await a.shared.sync();
    await b.shared.sync();
    expect(a.state.read((g) => g.units())).toEqual(b.state.read((g) => g.units()));
    await a.shared.close();
    await b.shared.close();
  });

  test("exactly one start wins among agents racing for the same unit", async () => {
    await using redis = await startRedis();
    const copies = [await copy(redis.url, "t"), await copy(redis.url, "t"), await copy(redis.url, "t")];
    const results = await Promise.allSettled(
      copies.map(({ shared }, i) =>
        shared.perform([{ t: "started", unit: "u", host: "h", pid: i } as const]),
      ),
    );
    // `started` on a unit never registered is refused everywhere; register it, then race again.
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    await copies[0]?.shared.perform([{ t: "request", unit: "u" }]);
    const race = await Promise.allSettled(
      copies.map(({ shared }, i) =>
        shared.perform([{ t: "started", unit: "u", host: "h", pid: i } as const]),
      ),
    );
    expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of race.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason.message).toBe('unit "u" is already started');
    }
    for (const { shared } of copies) await shared.close();
  });

  test("an agent whose lease runs out has its started units failed, naming its host", async () => {
    await using redis = await startRedis();
    const a = await copy(redis.url, "t", { leaseMs: 600 });
    const b = await copy(redis.url, "t");
    await a.shared.perform([{ t: "request", unit: "db" }]);
    await a.shared.perform([{ t: "started", unit: "db", host: "db-host", pid: 42 }]);
    // A stops the way SIGKILL stops it: no goodbye, its lease left to run out.
    await a.shared.close({ leave: false });
    const started = Date.now();
    await waitFor(
      "db to fail after A's lease expired",
      () => b.state.read((g) => g.status("db")) === "failed",
      5000,
    );
    expect(Date.now() - started).toBeLessThan(600 + 1000);
    expect(b.state.read((g) => g.reasonOf("db"))).toBe(
      "the agent on host db-host (pid 42) that started it stopped renewing its lease (host gone, killed or cut off)",
    );
    await b.shared.close();
  });

  test("a store restarted empty is detected: requests and pending work end with a clear error", async () => {
    await using redis = await startRedis();
    const a = await copy(redis.url, "t", { timeoutMs: 500 });
    await a.shared.perform([{ t: "want", unit: "app", deps: ["db"] }]);
    await redis.restartEmpty();
    await waitFor("the reset to be noticed", () => a.shared.health === "reset", 5000);
    await expect(a.shared.perform([{ t: "complete", unit: "db" }])).rejects.toThrow(
      /the shared store redis\+unix:\/\/.*\/redis\.sock \(namespace t\) was reset/,
    );
    await a.shared.close();
  });

  test("a store that stops answering (SIGSTOP) gives a clear error, then the copies resume (SIGCONT)", async () => {
    await using redis = await startRedis();
    const a = await copy(redis.url, "t", { timeoutMs: 300 });
    const b = await copy(redis.url, "t", { timeoutMs: 300 });
    await a.shared.perform([{ t: "want", unit: "app", deps: ["db"] }]);
    redis.signal("SIGSTOP");
    try {
      await expect(a.shared.perform([{ t: "request", unit: "db" }])).rejects.toThrow(
        /^the shared store redis\+unix:\/\/\S+ \(namespace t\) is unreachable: no answer within 300 ms$/,
      );
      expect(a.shared.health).toBe("unreachable");
      // While it is known to be unreachable, requests fail at once (no wait for a timeout).
      const started = Date.now();
      await expect(a.shared.sync()).rejects.toThrow(/is unreachable/);
      expect(Date.now() - started).toBeLessThan(100);
    } finally {
      redis.signal("SIGCONT");
    }
    await waitFor(
      "both copies to resync",
      () => a.shared.health === "synced" && b.shared.health === "synced",
      5000,
    );
    await b.shared.perform([{ t: "complete", unit: "app" }]);
    await a.shared.sync();
    expect(a.state.read((g) => g.status("app"))).toBe("completed");
    await a.shared.close();
    await b.shared.close();
  });

  test("a Redis user limited to its namespace's keys and the commands docs/multi-host.md lists is enough", async () => {
    await using redis = await startRedis({ password: "admin-pw" });
    const admin = new RedisClient(`redis+unix://default:admin-pw@localhost${redis.socket}`);
    const acl =
      "resetchannels ~unitsync:{ws-42}:* -@all +hello +auth +select +evalsha +eval +get +set +exists +incr +xadd +xread +del";
    await admin.send("ACL", ["SETUSER", "unitsync", "on", ">user-pw", ...acl.split(" ")]);
    const docs = await Bun.file(`${import.meta.dir}/../docs/multi-host.md`).text();
    expect(docs).toContain(`ACL SETUSER unitsync on >LONG-RANDOM-PASSWORD ${acl}`);
    const url = `redis+unix://unitsync:user-pw@${redis.socket}`;
    const [a, b] = [await copy(url, "ws-42", { leaseMs: 1000 }), await copy(url, "ws-42")];
    await a.shared.perform([{ t: "request", unit: "db" }]);
    await a.shared.perform([{ t: "started", unit: "db", host: "h", pid: 1 }]);
    await b.shared.perform([{ t: "want", unit: "app", deps: ["db"] }]);
    await a.shared.close({ leave: false });
    await waitFor(
      "the expiry, appended by the limited user",
      () => b.state.read((g) => g.status("db")) === "failed",
      5000,
    );
    await b.shared.close();
    // Another namespace is out of its reach.
    await expect(copy(url, "ws-43")).rejects.toThrow(
      /refused a command: NOPERM this user has no permissions to access one of the keys/,
    );
    admin.close();
  });

  test("a wrong password is reported as such, without the password", async () => {
    await using redis = await startRedis({ password: "right-one" });
    const url = redis.url.replace("right-one", "wrong-one");
    const error = await copy(url, "t").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe(
      `the shared store redis+unix://${redis.socket} (namespace t) is unreachable: wrong user name or password`,
    );
    expect(error?.message).not.toContain("wrong-one");
  });
});
