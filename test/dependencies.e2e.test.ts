/**
 * Issue 14 end to end against the compiled binary: edges that need only a start, targets,
 * before-all units (flag and script header), and the "still waiting" lines of a build log.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { syncInBackground, untilWaiting } from "./_background.ts";
import { BIN, run, startAgent, sync, tempDir } from "./_helpers.ts";

describe("want --required-status started", () => {
  test.concurrent("the unit starts once the dependency has started, before it completes", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect(await sync(dir.socket, "want", "app", "db", "--required-status", "started")).toEqual({
      stdout: 'Unit "app" declared dependencies: [db]\n',
      stderr: "",
      exitCode: 0,
    });
    const app = syncInBackground(dir.socket, "start", "app");
    await untilWaiting(dir.socket, 1);
    expect((await sync(dir.socket, "start", "db")).exitCode).toBe(0);
    expect(await app.done).toEqual({
      stdout:
        'Unit "app" is waiting for dependencies to be satisfied: [db]\nUnit "app" finished waiting for dependencies: [db]\n',
      stderr: "",
      exitCode: 0,
    });
    const status = JSON.parse((await sync(dir.socket, "status", "app", "-o", "json")).stdout);
    expect(status.dependencies).toEqual([
      { depends_on: "db", required_status: "started", current_status: "started", is_satisfied: true },
    ]);
    const table = (await sync(dir.socket, "status", "db")).stdout;
    expect(table).toContain("No dependencies found");
    const appTable = (await sync(dir.socket, "status", "app")).stdout;
    expect(appTable).toMatch(/^DEPENDS ON\s+REQUIRED STATUS\s+CURRENT STATUS\s+SATISFIED\s*$/m);
    expect(appTable).toMatch(/^db\s+started\s+started\s+true\s*$/m);
  });

  test.concurrent("a dependency that fails still fails the start (exit 4)", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db", "--required-status", "started");
    const app = syncInBackground(dir.socket, "start", "app");
    await untilWaiting(dir.socket, 1);
    await sync(dir.socket, "fail", "db", "--reason", "exit status 2");
    const result = await app.done;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain("error: dependency failed: app -> db: db failed: exit status 2");
  });

  test.concurrent("the same edge with another required status is refused (exit 1); the same one is a no-op", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db");
    expect((await sync(dir.socket, "want", "app", "db")).exitCode).toBe(0);
    expect(await sync(dir.socket, "want", "app", "db", "--required-status", "started")).toEqual({
      stdout: "",
      stderr:
        'error: unit "app" already depends on "db" with required status completed; it cannot be changed to started\n',
      exitCode: 1,
    });
    const bad = await sync(dir.socket, "want", "app", "db", "--required-status", "running");
    expect(bad.exitCode).toBe(2);
  });
});

describe("targets", () => {
  test.concurrent("a template waits for a module's target; it completes with its last member", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect(await sync(dir.socket, "target", "git-clone", "git-clone.fetch", "git-clone.submodules")).toEqual({
      stdout: 'Target "git-clone" declared members: [git-clone.fetch, git-clone.submodules]\n',
      stderr: "",
      exitCode: 0,
    });
    await sync(dir.socket, "want", "app", "git-clone");
    const app = syncInBackground(dir.socket, "start", "app");
    await untilWaiting(dir.socket, 1);
    for (const unit of ["git-clone.fetch", "git-clone.submodules"]) {
      expect((await sync(dir.socket, "start", unit)).exitCode).toBe(0);
      expect((await sync(dir.socket, "complete", unit)).exitCode).toBe(0);
    }
    expect((await app.done).exitCode).toBe(0);
    const list = (await sync(dir.socket, "list")).stdout;
    expect(list).toMatch(/^UNIT\s+STATUS\s+READY\s+KIND\s*$/m);
    expect(list).toMatch(/^git-clone\s+completed\s+true\s+target\s*$/m);
    const units = JSON.parse((await sync(dir.socket, "list", "-o", "json")).stdout);
    expect(units.find((unit: { unit_name: string }) => unit.unit_name === "git-clone")).toEqual({
      unit_name: "git-clone",
      status: "completed",
      is_ready: true,
      kind: "target",
    });
    // Completed: a late member is refused, the ones it has are a no-op.
    expect(await sync(dir.socket, "target", "git-clone", "git-clone.lfs")).toEqual({
      stdout: "",
      stderr: 'error: target "git-clone" has already completed; it cannot gain members [git-clone.lfs]\n',
      exitCode: 1,
    });
    expect((await sync(dir.socket, "target", "git-clone", "git-clone.fetch")).exitCode).toBe(0);
    // Nobody starts or completes a target by hand.
    await sync(dir.socket, "target", "ide", "ide.install");
    for (const verb of ["start", "complete"]) {
      expect(await sync(dir.socket, verb, "ide")).toEqual({
        stdout: "",
        stderr: `error: unit "ide" is a target: it cannot be ${verb === "start" ? "started" : "completed"} by hand; it completes by itself once its members have\n`,
        exitCode: 1,
      });
    }
  });

  test.concurrent("a target with no members completes at once", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect(await sync(dir.socket, "target", "nothing-to-do")).toEqual({
      stdout:
        'Target "nothing-to-do" declared members: []\nTarget "nothing-to-do" completed: all its members have\n',
      stderr: "",
      exitCode: 0,
    });
    expect(JSON.parse((await sync(dir.socket, "target", "t2", "a", "-o", "json")).stdout)).toEqual({
      unit: "t2",
      members: ["a"],
      status: "pending",
    });
  });

  test.concurrent("a failing member fails the target and, with the chain, whoever waits on it (exit 4)", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "target", "git-clone", "git-clone.fetch");
    const waiting = syncInBackground(dir.socket, "wait", "git-clone");
    await untilWaiting(dir.socket, 1);
    await sync(dir.socket, "fail", "git-clone.fetch", "--reason", "exit status 128");
    const result = await waiting.done;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain(
      "error: dependency failed: git-clone -> git-clone.fetch: git-clone.fetch failed: exit status 128",
    );
    const status = JSON.parse((await sync(dir.socket, "status", "git-clone", "-o", "json")).stdout);
    expect(status).toMatchObject({ status: "failed", kind: "target" });
    // Retried: the target is pending again, and completes with its member.
    await sync(dir.socket, "start", "git-clone.fetch");
    expect(JSON.parse((await sync(dir.socket, "status", "git-clone", "-o", "json")).stdout).status).toBe(
      "pending",
    );
    await sync(dir.socket, "complete", "git-clone.fetch");
    expect(JSON.parse((await sync(dir.socket, "status", "git-clone", "-o", "json")).stdout).status).toBe(
      "completed",
    );
  });

  test.concurrent("graph draws targets, before-all units and started edges apart", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket, ["--before-all", "apt-mirror"]);
    await sync(dir.socket, "target", "git-clone", "fetch");
    await sync(dir.socket, "want", "app", "db", "--required-status", "started");
    const dot = (await sync(dir.socket, "graph", "-o", "dot")).stdout;
    expect(dot).toContain('label="git-clone\\ntarget: pending"');
    expect(dot).toContain("peripheries=2");
    expect(dot).toContain('label="apt-mirror\\nbefore all: pending"');
    expect(dot).toMatch(/-> n\d+ \[style=dashed, label="started", fontsize=9\];/);
    const mermaid = (await sync(dir.socket, "graph", "-o", "mermaid")).stdout;
    expect(mermaid).toContain('{{"git-clone<br/>target: pending"}}');
    expect(mermaid).toContain('[["apt-mirror<br/>before all: pending"]]');
    expect(mermaid).toContain("-.->|started|");
    const json = JSON.parse((await sync(dir.socket, "graph", "-o", "json")).stdout);
    expect(json.edges).toContainEqual({
      unit: "app",
      depends_on: "db",
      required_status: "started",
      is_satisfied: false,
    });
    expect(json.nodes).toContainEqual({
      unit_name: "git-clone",
      status: "pending",
      is_ready: false,
      kind: "target",
    });
  });
});

describe("agent --before-all", () => {
  test.concurrent("every unit, registered before or after, waits for it", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket, [
      "--before-all",
      "apt-mirror",
      "--before-all",
      "proxy",
    ]);
    const app = syncInBackground(dir.socket, "start", "app");
    await untilWaiting(dir.socket, 1);
    await app.saw("is waiting");
    expect(app.stdout()).toBe(
      'Unit "app" is waiting for dependencies to be satisfied: [apt-mirror, proxy]\n',
    );
    for (const unit of ["apt-mirror", "proxy"]) {
      expect((await sync(dir.socket, "start", unit)).stdout).toBe(
        `Unit "${unit}" started with no dependencies\n`,
      );
      await sync(dir.socket, "complete", unit);
    }
    expect((await app.done).exitCode).toBe(0);
    const status = JSON.parse((await sync(dir.socket, "status", "apt-mirror", "-o", "json")).stdout);
    expect(status).toMatchObject({ status: "completed", kind: "before-all", dependencies: [] });
  });

  test.concurrent("a before-all unit that wants another unit is a cycle, refused and named (exit 1)", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket, ["--before-all", "apt-mirror"]);
    expect(await sync(dir.socket, "want", "apt-mirror", "network")).toEqual({
      stdout: "",
      stderr: "error: cycle detected: apt-mirror -> network -> apt-mirror\n",
      exitCode: 1,
    });
  });

  test.concurrent("an invalid name is a usage error (exit 2)", async () => {
    using dir = tempDir();
    const result = await run(["agent", "--socket-path", dir.socket, "--before-all", "two words"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'error: --before-all "two words": unit name "two words" contains whitespace',
    );
  });
});

describe("still waiting, in a build log", () => {
  test.concurrent("start and wait print a line every --progress-interval on stderr, naming the blocker", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db");
    await sync(dir.socket, "want", "db", "db.migrate");
    await sync(dir.socket, "start", "db.migrate");
    const app = syncInBackground(dir.socket, "start", "app", "--progress-interval", "1s");
    const waiting = syncInBackground(dir.socket, "wait", "db", "--progress-interval", "1s");
    const quiet = syncInBackground(dir.socket, "start", "db", "--progress-interval", "0");
    await app.saw("still waiting after 2s");
    await waiting.saw("Still waiting after 2s");
    await sync(dir.socket, "complete", "db.migrate");
    await sync(dir.socket, "complete", "db");
    const [appResult, waitResult, quietResult] = await Promise.all([app.done, waiting.done, quiet.done]);
    expect(appResult.stderr).toMatch(
      /^Unit "app" still waiting after 1s for \[db\]: db -> db\.migrate \(started \d+s ago\)$/m,
    );
    // stdout keeps Coder's exact lines.
    expect(appResult.stdout).toBe(
      'Unit "app" is waiting for dependencies to be satisfied: [db]\nUnit "app" finished waiting for dependencies: [db]\n',
    );
    expect(waitResult.stderr).toMatch(
      /^Still waiting after 1s for \[db\]: db -> db\.migrate \(started \d+s ago\)$/m,
    );
    expect(quietResult.stderr).toBe("");
  });
});

describe("agent --scripts headers: before=*, target=, want-started=", () => {
  test.concurrent("an apt-mirror script runs first, a template waits for a module's target and a daemon's start", async () => {
    using dir = tempDir();
    const scripts = join(dir.path, "d");
    const marks = join(dir.path, "marks");
    mkdirSync(scripts);
    mkdirSync(marks);
    const script = (name: string, ...lines: string[]) =>
      writeFileSync(join(scripts, name), ["#!/bin/sh", ...lines].join("\n"), { mode: 0o755 });
    // Every script but apt-mirror checks it ran first; each leaves a marker.
    const first = '[ -e "$MARKS/apt-mirror" ] || exit 9';
    script("apt-mirror.sh", "# unitsync: before=*", 'touch "$MARKS/apt-mirror"');
    script("fetch.sh", "# unitsync: target=git-clone", first, 'touch "$MARKS/fetch"');
    script(
      "submodules.sh",
      "# unitsync: target=git-clone",
      "# unitsync: want=fetch",
      first,
      'touch "$MARKS/submodules"',
    );
    // The daemon only ends once app has run: app must not wait for it to complete.
    script("daemon.sh", first, 'touch "$MARKS/daemon"', 'while [ ! -e "$MARKS/app" ]; do sleep 0.05; done');
    script(
      "app.sh",
      "# unitsync: want=git-clone",
      "# unitsync: want-started=daemon",
      first,
      '[ -e "$MARKS/fetch" ] && [ -e "$MARKS/submodules" ] || exit 8',
      'touch "$MARKS/app"',
    );
    const proc = Bun.spawn(
      [
        BIN,
        "agent",
        "--socket-path",
        dir.socket,
        "--scripts",
        scripts,
        "--exit-when-done",
        "--timeout",
        "30s",
      ],
      { env: { PATH: process.env.PATH ?? "", MARKS: marks, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" },
    );
    const [, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ exitCode, stderr }).toMatchObject({ exitCode: 0 });
    expect(readdirSync(marks).sort()).toEqual(["app", "apt-mirror", "daemon", "fetch", "submodules"]);
    expect(existsSync(join(marks, "app"))).toBe(true);
    expect(stderr).toContain('unit "git-clone" completed');
  });
});
