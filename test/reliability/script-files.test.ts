/**
 * The files `agent --scripts` touches: every unit gets its own intact log file whatever its name,
 * a log is never written through a planted link or in a directory others may write to, and a
 * script that another user could have written is not run unless that is asked for.
 */
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { run, tempDir } from "../_helpers.ts";

const isRoot = process.getuid?.() === 0;

/** Writes an executable `#!/bin/sh` script. */
function script(dir: string, name: string, body: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode });
  chmodSync(path, mode);
  return path;
}

/** `agent --scripts DIR --exit-when-done` on a socket of its own. */
function runScripts(socket: string, args: string[]) {
  return run(["agent", "--socket-path", socket, "--exit-when-done", "--timeout", "30s", ...args]);
}

describe("log files", () => {
  test.concurrent("units whose names escape alike, or need escaping at length, each keep an intact log", async () => {
    using dir = tempDir();
    const scripts = join(dir.path, "d");
    const logs = join(dir.path, "logs");
    const long = "é".repeat(128);
    const names = ["web/api", "web_api", long];
    names.forEach((unit, i) => {
      script(
        scripts,
        `s${i}`,
        `# unitsync: unit=${unit}\nfor n in 1 2 3 4 5; do echo "${unit} line $n"; done`,
      );
    });
    const result = await runScripts(dir.socket, ["--scripts", scripts, "--log-dir", logs]);
    expect(result.exitCode).toBe(0);
    const files = readdirSync(logs);
    expect(files).toHaveLength(3);
    const contents = files.map((file) => readFileSync(join(logs, file), "utf8")).sort();
    const expected = names.map((unit) => [1, 2, 3, 4, 5].map((n) => `${unit} line ${n}\n`).join("")).sort();
    expect(contents).toEqual(expected);
    expect(result.stderr).not.toContain("is not kept");
  });

  test.concurrent("a symbolic link planted where a log goes is not followed", async () => {
    using dir = tempDir();
    const scripts = join(dir.path, "d");
    // Sticky and world-writable, like /tmp: allowed, but anyone may plant a file in it.
    const logs = join(dir.path, "logs");
    mkdirSync(logs);
    chmodSync(logs, 0o1777);
    const victim = join(dir.path, "victim");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(logs, "app.log"));
    script(scripts, "app", "echo overwritten");
    const result = await runScripts(dir.socket, ["--scripts", scripts, "--log-dir", logs]);
    expect(result.exitCode).toBe(0);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(result.stderr).toContain(`cannot write ${join(logs, "app.log")}: it is a symbolic link`);
    expect(result.stderr).toContain("[app] overwritten");
  });

  test.concurrent("a log directory others may write to (not sticky) is refused before anything runs", async () => {
    using dir = tempDir();
    const scripts = join(dir.path, "d");
    const logs = join(dir.path, "logs");
    mkdirSync(logs);
    chmodSync(logs, 0o777);
    const marker = join(dir.path, "ran");
    script(scripts, "app", `touch ${marker}`);
    const result = await runScripts(dir.socket, ["--scripts", scripts, "--log-dir", logs]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`error: refusing log directory ${logs}: it is writable by other users`);
    expect(readdirSync(dir.path)).not.toContain("ran");
  });
});

describe("script trust", () => {
  const cases: [string, (root: string) => string, string][] = [
    [
      "a world-writable script",
      (root) => script(join(root, "d"), "app", "touch $MARK", 0o777),
      "it is writable by every user (mode 0777)",
    ],
    [
      "a script in a world-writable directory",
      (root) => {
        const path = script(join(root, "d"), "app", "touch $MARK");
        chmodSync(join(root, "d"), 0o777);
        return path;
      },
      "is writable by every user (mode 0777)",
    ],
  ];
  if (isRoot) {
    cases.push([
      "a script owned by another user",
      (root) => {
        const path = script(join(root, "d"), "app", "touch $MARK");
        chownSync(path, 65534, 65534);
        return path;
      },
      "it is owned by uid 65534, not by this user (uid 0) or root",
    ]);
  } else console.log("skip: a script owned by another user (needs root to chown)");

  for (const [name, make, why] of cases) {
    test.concurrent(`${name} is refused (exit 1), and runs with --allow-unsafe-scripts`, async () => {
      using dir = tempDir();
      const path = make(dir.path);
      const mark = join(dir.path, "ran");
      const env = { MARK: mark };
      const refused = await run(
        ["agent", "--socket-path", dir.socket, "--exit-when-done", "--scripts", join(dir.path, "d")],
        { env },
      );
      expect(refused.exitCode).toBe(1);
      const line = refused.stderr.split("\n").find((l) => l.startsWith(`error: refusing ${path}: `));
      expect(line).toContain(why);
      expect(readdirSync(dir.path)).not.toContain("ran");
      const allowed = await run(
        [
          "agent",
          "--socket-path",
          dir.socket,
          "--exit-when-done",
          "--allow-unsafe-scripts",
          "--scripts",
          join(dir.path, "d"),
        ],
        { env },
      );
      expect(allowed.exitCode).toBe(0);
      expect(allowed.stderr).toContain(`running ${path} although`);
      expect(readdirSync(dir.path)).toContain("ran");
    });
  }
});
