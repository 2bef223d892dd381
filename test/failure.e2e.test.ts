/**
 * The failed state end to end: `fail`, what status/list show, propagation to clients already
 * waiting (woken at once) and to later ones, independent units left alone, and retry.
 */
import { describe, expect, test } from "bun:test";
import { syncInBackground, untilWaiting, waiters } from "./_background.ts";
import { startAgent, sync, tempDir } from "./_helpers.ts";

const CHAIN_ERROR =
  "error: dependency failed: my-app -> database-migration -> db-setup: db-setup failed: exit status 2\n";

/** my-app -> database-migration -> db-setup, the chain of the example. */
async function declareChain(socket: string): Promise<void> {
  expect((await sync(socket, "want", "my-app", "database-migration")).exitCode).toBe(0);
  expect((await sync(socket, "want", "database-migration", "db-setup")).exitCode).toBe(0);
}

describe("fail", () => {
  test.concurrent("marks a unit failed; status and list show the reason", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "start", "db-setup");
    expect(await sync(dir.socket, "fail", "db-setup", "--reason", "exit status 2")).toEqual({
      stdout: "Success\n",
      stderr: "",
      exitCode: 0,
    });

    const table = await sync(dir.socket, "status", "db-setup", "--details");
    expect(table.stdout).toStartWith(
      "Unit: db-setup\nStatus: failed\nReady: true\n\nDependencies:\nNo dependencies found\n\nReason: exit status 2\n",
    );
    const status = JSON.parse((await sync(dir.socket, "status", "db-setup", "-o", "json")).stdout);
    expect({ status: status.status, reason: status.reason }).toEqual({
      status: "failed",
      reason: "exit status 2",
    });
    expect(JSON.parse((await sync(dir.socket, "list", "-o", "json")).stdout)).toEqual([
      { unit_name: "db-setup", status: "failed", is_ready: true, reason: "exit status 2" },
    ]);
    // The table gains a REASON column only while some unit has failed (otherwise it is Coder's).
    expect((await sync(dir.socket, "list")).stdout).toBe(
      "UNIT      STATUS  READY  REASON         \ndb-setup  failed  true   exit status 2  \n",
    );
  });

  test.concurrent("-o json prints the unit and its new status", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const result = await sync(dir.socket, "fail", "cache", "-o", "json");
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ unit: "cache", status: "failed" });
  });

  test.concurrent("an unregistered unit is registered as failed (a script broke before its start)", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect((await sync(dir.socket, "fail", "git-clone", "--reason", "no network")).exitCode).toBe(0);
    expect(JSON.parse((await sync(dir.socket, "list", "-o", "json")).stdout)).toEqual([
      { unit_name: "git-clone", status: "failed", is_ready: true, reason: "no network" },
    ]);
  });

  test.concurrent("a completed unit cannot fail, and a failed one cannot complete", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "start", "done");
    await sync(dir.socket, "complete", "done");
    const late = await sync(dir.socket, "fail", "done");
    expect(late.exitCode).toBe(1);
    expect(late.stderr).toBe('error: unit "done" is already completed and cannot fail\n');

    await sync(dir.socket, "fail", "broken");
    const complete = await sync(dir.socket, "complete", "broken");
    expect(complete.exitCode).toBe(1);
    expect(complete.stderr).toContain('error: unit "broken" has failed; start it again to retry');
  });

  test.concurrent("an invalid name is refused before anything is sent", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const result = await sync(dir.socket, "fail", "has space");
    expect(result.exitCode).toBe(1);
    expect((await sync(dir.socket, "list")).stdout).toBe("No units registered\n");
  });
});

describe("propagation", () => {
  test.concurrent("every waiter on a three-level chain exits 4 within a second of the root failing", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await declareChain(dir.socket);
    const clients = [
      syncInBackground(dir.socket, "start", "my-app"),
      syncInBackground(dir.socket, "start", "database-migration"),
      syncInBackground(dir.socket, "wait", "my-app"),
    ];
    await untilWaiting(dir.socket, clients.length);

    expect((await sync(dir.socket, "fail", "db-setup", "--reason", "exit status 2")).exitCode).toBe(0);
    const failReturned = performance.now();
    const results = await Promise.all(clients.map((client) => client.done));
    const lastExit = Math.max(...clients.map((client) => client.exitedAt() as number));

    expect(results.map((result) => result.exitCode)).toEqual([4, 4, 4]);
    expect(results[0]?.stderr).toBe(CHAIN_ERROR);
    expect(results[1]?.stderr).toBe(
      "error: dependency failed: database-migration -> db-setup: db-setup failed: exit status 2\n",
    );
    expect(results[2]?.stderr).toEndWith(CHAIN_ERROR);
    expect(lastExit - failReturned).toBeLessThan(1000);
    expect(await waiters(dir.socket)).toBe(0);
  });

  test.concurrent("a start that arrives after the failure exits 4 at once", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await declareChain(dir.socket);
    await sync(dir.socket, "fail", "db-setup", "--reason", "exit status 2");
    expect(await sync(dir.socket, "start", "my-app")).toEqual({
      stdout: "",
      stderr: CHAIN_ERROR,
      exitCode: 4,
    });
    const wait = await sync(dir.socket, "wait", "my-app");
    expect(wait.exitCode).toBe(4);
    expect(wait.stderr).toBe(CHAIN_ERROR);
  });

  test.concurrent("independent units are unaffected", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await declareChain(dir.socket);
    await sync(dir.socket, "want", "ide-setup", "git-clone");
    const doomed = syncInBackground(dir.socket, "start", "my-app");
    const independent = syncInBackground(dir.socket, "start", "ide-setup");
    await untilWaiting(dir.socket, 2);

    await sync(dir.socket, "fail", "db-setup", "--reason", "exit status 2");
    expect((await doomed.done).exitCode).toBe(4);
    // The other client is still blocked, and goes ahead as soon as its own dependency completes.
    expect(await waiters(dir.socket)).toBe(1);
    expect(independent.proc.exitCode).toBeNull();
    await sync(dir.socket, "start", "git-clone");
    await sync(dir.socket, "complete", "git-clone");
    expect(await independent.done).toEqual({
      stdout:
        'Unit "ide-setup" is waiting for dependencies to be satisfied: [git-clone]\n' +
        'Unit "ide-setup" finished waiting for dependencies: [git-clone]\n',
      stderr: "",
      exitCode: 0,
    });
  });

  test.concurrent("a completed unit shields its dependents from a failure behind it", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await declareChain(dir.socket);
    await sync(dir.socket, "fail", "db-setup");
    // database-migration completed anyway (say, by hand): my-app no longer depends on the failure.
    await sync(dir.socket, "complete", "database-migration");
    expect((await sync(dir.socket, "start", "my-app")).exitCode).toBe(0);
  });
});

describe("retry", () => {
  test.concurrent("a failed unit is started again; its dependents wait again, then go ahead", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await declareChain(dir.socket);
    await sync(dir.socket, "start", "db-setup");
    await sync(dir.socket, "fail", "db-setup", "--reason", "exit status 2");
    expect((await sync(dir.socket, "start", "database-migration")).exitCode).toBe(4);

    // The retry: start the failed unit again.
    expect((await sync(dir.socket, "start", "db-setup")).stdout).toBe(
      'Unit "db-setup" started with no dependencies\n',
    );
    const migration = syncInBackground(dir.socket, "start", "database-migration");
    await untilWaiting(dir.socket, 1);
    expect(migration.proc.exitCode).toBeNull();

    expect((await sync(dir.socket, "complete", "db-setup")).exitCode).toBe(0);
    expect(await migration.done).toEqual({
      stdout:
        'Unit "database-migration" is waiting for dependencies to be satisfied: [db-setup]\n' +
        'Unit "database-migration" finished waiting for dependencies: [db-setup]\n',
      stderr: "",
      exitCode: 0,
    });
    const status = JSON.parse((await sync(dir.socket, "status", "db-setup", "-o", "json")).stdout);
    expect(status.status).toBe("completed");
    expect(status.reason).toBeUndefined();
  });
});
