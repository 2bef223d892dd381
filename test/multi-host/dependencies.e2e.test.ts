/**
 * Issue 14's rules across agents sharing a graph through a real redis-server, and the one way a
 * before-all unit arrives after units have started: an agent joining the namespace with
 * --before-all. Started units stay started; waiting ones wait for it too; later ones depend on it.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { background } from "../_background.ts";
import { startAgent, sync } from "../_helpers.ts";
import { startRedis } from "../_redis.ts";
import { missing } from "../_tools.ts";

const LEASE = ["--lease", "2s", "--lease-renew", "500ms"];

describe.skipIf(missing("redis-server"))("issue 14 through a shared store", () => {
  test("a before-all unit declared after units started: they stay started, waiting ones wait for it", async () => {
    await using redis = await startRedis();
    const store = ["--store", redis.url, "--namespace", "ws", ...LEASE];
    await using a = await startAgent(join(redis.dir, "a.sock"), store);
    await sync(a.socket, "start", "running");
    await sync(a.socket, "want", "waiting", "db");
    const waiting = background(["exp", "sync", "start", "waiting", "--socket-path", a.socket]);
    await waiting.saw("is waiting for dependencies to be satisfied: [db]");

    await using b = await startAgent(join(redis.dir, "b.sock"), [...store, "--before-all", "apt-mirror"]);
    const status = async (unit: string) =>
      JSON.parse((await sync(a.socket, "status", unit, "-o", "json")).stdout) as {
        status: string;
        dependencies: { depends_on: string }[];
      };
    expect((await status("running")).status).toBe("started");
    expect((await status("running")).dependencies.map((d) => d.depends_on)).toEqual(["apt-mirror"]);
    // `waiting` (and db, mentioned before) now wait for apt-mirror too; a unit mentioned later as well.
    expect((await status("db")).dependencies.map((d) => d.depends_on)).toEqual(["apt-mirror"]);
    await sync(a.socket, "want", "later", "db");
    expect((await status("later")).dependencies.map((d) => d.depends_on)).toEqual(["apt-mirror", "db"]);
    expect(JSON.parse((await sync(a.socket, "status", "db", "-o", "json")).stdout).is_ready).toBe(false);
    await sync(b.socket, "start", "apt-mirror");
    await sync(b.socket, "complete", "apt-mirror");
    await sync(a.socket, "start", "db");
    await sync(b.socket, "complete", "db");
    expect((await waiting.done).exitCode).toBe(0);
  });

  test("a target declared on one agent completes with members completed on another", async () => {
    await using redis = await startRedis();
    const store = ["--store", redis.url, "--namespace", "ws", ...LEASE];
    await using a = await startAgent(join(redis.dir, "a.sock"), store);
    await using b = await startAgent(join(redis.dir, "b.sock"), store);
    await sync(a.socket, "target", "git-clone", "fetch");
    await sync(a.socket, "want", "app", "daemon", "--required-status", "started");
    await sync(a.socket, "want", "app", "git-clone");
    const app = background(["exp", "sync", "start", "app", "--socket-path", a.socket]);
    await app.saw("is waiting");
    await sync(b.socket, "start", "fetch");
    await sync(b.socket, "complete", "fetch");
    await sync(b.socket, "start", "daemon");
    expect((await app.done).exitCode).toBe(0);
    const list = JSON.parse((await sync(b.socket, "list", "-o", "json")).stdout);
    expect(list.find((unit: { unit_name: string }) => unit.unit_name === "git-clone")).toMatchObject({
      status: "completed",
      kind: "target",
    });
  });
});
