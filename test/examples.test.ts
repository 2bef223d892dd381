/**
 * Every example in examples/ (docker, cloud-init, coder, systemd) is checked the way its platform
 * would read it (shellcheck, an HCL parser, a YAML parser, systemd-analyze) and its
 * scripts are run for real against the compiled binary, with paths moved into a temp dir.
 */
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { RELEASE_ROOT } from "../build.ts";
import pkg from "../package.json" with { type: "json" };
import { BIN, cleanEnv, processesWith, startAgent, sync, tempDir, waitFor } from "./_helpers.ts";
import { makeRelease, ROOT, requireHostTarget, serveDir } from "./_release-fixture.ts";
import { closedPort, tcpListener } from "./_servers.ts";
import { missing } from "./_tools.ts";

const EXAMPLES = join(ROOT, "examples");
// Terraform interpolations as hcl2json writes them (`$${` is an escaped, literal `${`).
// biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's syntax, not JavaScript's
const REPO_URL_REF = "${var.repo_url}";
// biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's syntax, not JavaScript's
const AGENT_ID_REF = "${coder_agent.main.id}";
// biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's syntax, not JavaScript's
const DATABASE_REF = "${var.database_address}";
const HOST = requireHostTarget();

describe("examples/docker/Dockerfile", () => {
  const dockerfile = readFileSync(join(EXAMPLES, "docker/Dockerfile"), "utf8");
  const instructions = parseDockerfile(dockerfile);

  test("copies or mounts only what the build context has: the examples, and the release folder npm run release writes", () => {
    const sources = instructions.flatMap(({ keyword, args }) => {
      if (keyword === "COPY")
        return [args.split(/\s+/).filter((word) => !word.startsWith("--"))[0] as string];
      if (keyword === "RUN")
        return [...args.matchAll(/--mount=type=bind,source=([^,\s]+)/g)].map((m) => m[1] as string);
      return [];
    });
    expect(sources).toEqual([RELEASE_ROOT, "examples/startup.d/"]);
    expect(existsSync(join(ROOT, "examples/startup.d/"))).toBe(true);
    // The version it installs by default is this package's: bumping one without the other fails here.
    expect(instructions.filter(({ keyword }) => keyword === "ARG").map(({ args }) => args)).toContain(
      `UNITSYNC_VERSION=${pkg.version}`,
    );
  });

  test(".dockerignore keeps the build context to the release folder, install.sh and the examples", () => {
    const ignored = dockerIgnore(readFileSync(join(ROOT, ".dockerignore"), "utf8"));
    const kept = [
      `${RELEASE_ROOT}/v${pkg.version}/unitsync-linux-arm64-musl`,
      `${RELEASE_ROOT}/v${pkg.version}/SHA256SUMS`,
      "install.sh",
      "examples/startup.d/database.sh",
      "examples/docker/Dockerfile",
    ];
    const dropped = [
      `${RELEASE_ROOT}/v${pkg.version}/unitsync-darwin-arm64`,
      "node_modules/bun/bin/bun.exe",
      ".git/HEAD",
      "dist/unitsync",
      "dist/demo-timeline.svg",
      "src/main.ts",
    ];
    expect(kept.filter(ignored)).toEqual([]);
    expect(dropped.filter((path) => !ignored(path))).toEqual([]);
  });

  test("installs with the release's install.sh from the mounted release folder, and the entrypoint runs the copied scripts", async () => {
    using dir = tempDir();
    const releases = join(dir.path, "releases");
    await makeRelease(join(releases, `v${pkg.version}`), { [HOST]: "real" });
    const prefix = join(dir.path, "usr-local");
    const scripts = join(dir.path, "etc-unitsync.d");
    const workspace = join(dir.path, "workspace");

    // RUN --mount=...: the bind mount's target becomes the real path, ARGs take their defaults,
    // /usr/local becomes a temp prefix.
    const install = instructions.find(
      ({ keyword, args }) => keyword === "RUN" && args.includes("install.sh"),
    );
    const mounts = Object.fromEntries(
      [...(install?.args ?? "").matchAll(/source=([^,\s]+),target=([^\s]+)/g)].map((m) => [
        m[2] as string,
        m[1] as string,
      ]),
    );
    expect(mounts).toEqual({ "/tmp/unitsync-releases": RELEASE_ROOT });
    let command = (install?.args ?? "").replace(/--mount=\S+\s+/g, "");
    command = command.replaceAll("/tmp/unitsync-releases", releases);
    for (const { args: arg } of instructions.filter(({ keyword }) => keyword === "ARG")) {
      const [name, value = ""] = arg.split("=");
      command = command.replaceAll(`\${${name}}`, value);
    }
    command = command.replace(/--prefix \/usr\/local\b/, `--prefix ${prefix}`);
    expect(command).toContain(`--prefix ${prefix}`);
    expect(await sh(command)).toMatchObject({ exitCode: 0 });

    // COPY examples/startup.d/ /etc/unitsync.d/
    const copy = instructions.find(({ keyword }) => keyword === "COPY")?.args.split(/\s+/) ?? [];
    expect(copy).toEqual(["examples/startup.d/", "/etc/unitsync.d/"]);
    cpSync(join(ROOT, copy[0] as string), scripts, { recursive: true });

    // ENV, ENTRYPOINT and CMD, exactly as the image runs them, with the socket moved into the temp dir.
    const env = instructions.find(({ keyword }) => keyword === "ENV")?.args;
    expect(env).toBe("UNITSYNC_SOCKET_PATH=/run/unitsync/agent.sock");
    const entrypoint = JSON.parse(instructions.find(({ keyword }) => keyword === "ENTRYPOINT")?.args ?? "[]");
    expect(entrypoint).toEqual(["unitsync", "agent", "--scripts", "/etc/unitsync.d", "--"]);
    const cmd = JSON.parse(instructions.find(({ keyword }) => keyword === "CMD")?.args ?? "[]");
    expect(cmd).toEqual(["bash"]);
    const container = (args: string[], stdin: string) =>
      outputOf(
        Bun.spawn(
          [
            join(prefix, "bin/unitsync"),
            ...entrypoint.slice(1).map((a: string) => (a === "/etc/unitsync.d" ? scripts : a)),
            ...args,
          ],
          {
            env: cleanEnv({
              UNITSYNC_SOCKET_PATH: dir.socket,
              EXAMPLE_WORKSPACE: workspace,
              PATH: `${join(prefix, "bin")}:${process.env.PATH}`,
            }),
            stdin: new Blob([stdin]),
            stdout: "pipe",
            stderr: "pipe",
          },
        ),
      );

    // `docker run -i IMAGE` with commands on stdin: the CMD, bash, runs them once the startup has
    // finished, while the database service still runs and the socket serves.
    const shell = await container(cmd, "unitsync exp sync list -o json\n");
    expect(shell.exitCode).toBe(0);
    const units = (JSON.parse(shell.stdout) as { unit_name: string; status: string }[]).map(
      (row) => `${row.unit_name} ${row.status}`,
    );
    expect(units).toEqual([
      "database completed",
      "dotfiles completed",
      "git-clone completed",
      "migrations completed",
      "myorg.ide-setup completed",
      "toolchain completed",
    ]);
    expect(existsSync(join(workspace, "app/.vscode/settings.json"))).toBe(true);
    // When bash exited, the database service was stopped and the agent removed its socket.
    expect(shell.stderr).toContain('service "database" is ready; it keeps running');
    expect(shell.stderr).toContain("stopping the services");
    expect(existsSync(dir.socket)).toBe(false);

    // `docker run IMAGE some-command`: the command replaces bash, and its exit status is the container's.
    const other = await container(["sh", "-c", "exit 3"], "");
    expect(other.exitCode).toBe(3);
    expect(other.stderr).toContain("main command exited (exit status 3)");
  });
});

describe("examples/cloud-init/user-data.yaml", () => {
  const text = readFileSync(join(EXAMPLES, "cloud-init/user-data.yaml"), "utf8");
  const config = Bun.YAML.parse(text) as {
    write_files: { path: string; permissions: string; content: string }[];
    runcmd: string[];
  };
  // cloud-init writes runcmd's entries into one sh script, one entry after another.
  const runcmd = `#!/bin/sh\n${config.runcmd.join("\n")}`;

  test("is a #cloud-config whose files are startup scripts and whose runcmd is one sh script", () => {
    expect(text.split("\n")[0]).toBe("#cloud-config");
    expect(Object.keys(config).sort()).toEqual(["runcmd", "write_files"]);
    expect(config.write_files.map(({ path, permissions }) => [dirname(path), permissions])).toEqual(
      config.write_files.map(() => ["/etc/unitsync.d", "0755"]),
    );
  });

  test.skipIf(missing("shellcheck"))("its startup scripts and runcmd pass shellcheck", async () => {
    using dir = tempDir();
    const files = config.write_files.map(({ path, content }, i) =>
      write(join(dir.path, `${i}-${path.split("/").pop()}`), content),
    );
    await shellcheck([...files, write(join(dir.path, "runcmd.sh"), runcmd)]);
  });

  test("runcmd downloads install.sh and the binary, installs, and runs the scripts once in order", async () => {
    using dir = tempDir();
    const release = await makeRelease(join(dir.path, "release"), { [HOST]: "real" });
    using server = serveDir(release);
    const scripts = join(dir.path, "etc-unitsync.d");
    const logs = join(dir.path, "var-log-unitsync");
    const prefix = join(dir.path, "usr-local");
    const appRoot = join(dir.path, "srv-app");
    for (const { path, content, permissions } of config.write_files) {
      write(join(scripts, path.split("/").pop() as string), content, Number.parseInt(permissions, 8));
    }
    const script = runcmd
      .replace(
        /https:\/\/downloads\.example\.com\/unitsync\/v[\d.]+/,
        `http://127.0.0.1:${server.port}/unitsync/v1`,
      )
      .replaceAll("/etc/unitsync.d", scripts)
      .replaceAll("/var/log/unitsync", logs);
    expect(script).toContain(`http://127.0.0.1:${server.port}/`);
    const result = await sh(script, {
      UNITSYNC_PREFIX: prefix,
      PATH: `${prefix}/bin:${process.env.PATH}`,
      UNITSYNC_SOCKET_PATH: dir.socket,
      APP_ROOT: appRoot,
    });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(appRoot, "ready"), "utf8")).toBe("listening on :8080\n");
    expect(readFileSync(join(appRoot, "data/schema"), "utf8")).toBe("schema v1 (production)\n");
    expect(readFileSync(join(logs, "app.log"), "utf8")).toContain("app ready on port 8080");
    // --exit-when-done: the agent is gone and its socket removed once the scripts are done.
    expect(existsSync(dir.socket)).toBe(false);
  });
});

describe.each([
  ["examples/coder/main.tf", "want/start/complete"],
  ["examples/coder/run/main.tf", "run"],
])("%s (%s)", (file) => {
  const hclText = readFileSync(join(ROOT, file), "utf8");
  const units: Record<string, string[]> = {
    "git-clone": [],
    "env-setup": [],
    "deps-install": ["git-clone", "env-setup"],
    "ide-setup": ["git-clone"],
    database: [],
    app: ["deps-install", "ide-setup", "database"],
  };

  test("parses as HCL: a coder_agent and one run_on_start coder_script per unit, using only its variables", async () => {
    const config = await parseTemplate(file, hclText);
    expect(Object.keys(config.variable).sort()).toEqual(["database_address", "repo_url"]);
    expect(Object.keys(config.resource.coder_agent)).toEqual(["main"]);
    const scripts = Object.entries(config.resource.coder_script).map(([name, [resource]]) => ({
      name,
      agent: resource?.agent_id,
      runOnStart: resource?.run_on_start,
      references: [...(resource?.script ?? "").matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((m) => m[1]),
    }));
    expect(scripts.map((s) => s.name).sort()).toEqual([
      "app",
      "database",
      "deps_install",
      "env_setup",
      "git_clone",
      "ide_setup",
    ]);
    for (const script of scripts) {
      expect(script).toMatchObject({ agent: AGENT_ID_REF, runOnStart: true });
      expect(script.references.every((ref) => ref === "var.repo_url" || ref === "var.database_address")).toBe(
        true,
      );
    }
  });

  test.skipIf(missing("shellcheck"))("its scripts pass shellcheck", async () => {
    using dir = tempDir();
    const scripts = await templateScripts(file, hclText, "https://example.com/repo.git");
    const files = Object.entries(scripts).map(([name, script]) =>
      write(join(dir.path, `${name}.sh`), script),
    );
    // SC2016: `sh -c '...$HOME...'` is meant to expand in the inner shell, not this one.
    await shellcheck(files, ["SC2016"]);
  });

  test("its scripts, started all at once, run in dependency order and all complete", async () => {
    using dir = tempDir();
    const home = join(dir.path, "home");
    const repo = makeRepo(join(dir.path, "repo.git"));
    await using database = await tcpListener();
    const scripts = await templateScripts(file, hclText, repo, `127.0.0.1:${database.port}`);
    await using agent = await startAgent(dir.socket, ["--log-format", "json"]);
    const results = await runScripts(dir.path, scripts, home, dir.socket);
    expect(results).toEqual(Object.fromEntries(Object.keys(scripts).map((name) => [name, 0])));

    expect(checkOrder(agent.log(), units)).toEqual({ completed: Object.keys(units).sort(), outOfOrder: [] });
    expect(existsSync(join(home, "project/.git"))).toBe(true);
    expect(readFileSync(join(home, "project/.vscode/settings.json"), "utf8")).toContain(
      "trimTrailingWhitespace",
    );
    // The app's dev server was started from the clone, in the background.
    await waitFor(
      "the app's dev server to start",
      () => existsSync(join(home, "project/.dev-started")),
      10_000,
    );
  });

  test("a failed clone stops every unit after it at once (exit 4), and leaves the independent one alone", async () => {
    using dir = tempDir();
    const home = join(dir.path, "home");
    await using database = await tcpListener();
    const scripts = await templateScripts(
      file,
      hclText,
      join(dir.path, "no-such-repo.git"),
      `127.0.0.1:${database.port}`,
    );
    await using agent = await startAgent(dir.socket, ["--log-format", "json"]);
    const results = await runScripts(dir.path, scripts, home, dir.socket);
    expect(results).toMatchObject({ env_setup: 0, database: 0, deps_install: 4, ide_setup: 4, app: 4 });
    expect(results.git_clone).not.toBe(0);
    const list = JSON.parse((await sync(dir.socket, "list", "-o", "json")).stdout) as {
      unit_name: string;
      status: string;
    }[];
    expect(Object.fromEntries(list.map((row) => [row.unit_name, row.status]))).toMatchObject({
      "git-clone": "failed",
      "env-setup": "completed",
    });
    expect(agent.log()).toContain('"type":"failed","unit":"git-clone"');
  });

  test("a database that never answers fails its probe unit with the last error; the app exits 4", async () => {
    using dir = tempDir();
    const home = join(dir.path, "home");
    const repo = makeRepo(join(dir.path, "repo.git"));
    const port = await closedPort();
    const scripts = await templateScripts(file, hclText, repo, `127.0.0.1:${port}`);
    // The template gives the database 5 minutes; the test, one second.
    expect(scripts.database).toContain("--timeout 5m");
    scripts.database = (scripts.database as string).replace("--timeout 5m", "--timeout 1s");
    await using _agent = await startAgent(dir.socket);
    const results = await runScripts(dir.path, scripts, home, dir.socket);
    expect(results).toEqual({
      git_clone: 0,
      env_setup: 0,
      deps_install: 0,
      ide_setup: 0,
      database: 124,
      app: 4,
    });
    const status = JSON.parse((await sync(dir.socket, "status", "database", "-o", "json")).stdout);
    expect(status.reason).toMatch(new RegExp(`: tcp:127\\.0\\.0\\.1:${port}: connection refused$`));
  });
});

describe("examples/startup.d and examples/demo", () => {
  test.skipIf(missing("shellcheck"))("their scripts pass shellcheck", async () => {
    const dirs = ["startup.d", "demo", "demo/scripts"].map((name) => join(EXAMPLES, name));
    const files = dirs.flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => name.endsWith(".sh"))
        .map((name) => join(dir, name)),
    );
    expect(files.length).toBeGreaterThan(10);
    // SC2317: shellcheck 0.9 takes a function only called by `trap` for unreachable code.
    await shellcheck(files, ["SC2317"]);
  });

  test("the demo (npm run demo) shows every unit completed, in order, and stops its agent", async () => {
    const result = await sh(`bash ${join(EXAMPLES, "demo/run.sh")}`);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/my-app\s+completed\s+true/);
    expect(result.stdout).toContain("Critical path");
    expect(result.stdout).toContain("agent stopped");
  });

  test("`npm run demo | head` leaves no process behind either", async () => {
    // A mark in the environment: every process of this demo run inherits it.
    const mark = `UNITSYNC_DEMO_MARK=${process.pid}-${Date.now()}`;
    const [name, value] = mark.split("=") as [string, string];
    const result = await sh(`bash ${join(EXAMPLES, "demo/run.sh")} | head -n 3`, { [name]: value });
    expect(result.stdout.split("\n")[0]).toStartWith("== starting the agent on ");
    // The demo's own processes may still be finishing their exit; none may stay. If one does, the
    // failure names it (a full run under heavy load once saw one still there after 10 s).
    const marked = () => processesWith(mark);
    const left = () =>
      marked()
        .map(({ pid, cmdline }) => `${pid}: ${cmdline}`)
        .join("; ");
    await waitFor("the demo's processes to exit", () => marked().length === 0, 30_000).catch((error) => {
      throw new Error(`${(error as Error).message}; still running: ${left()}`);
    });
  });
});

describe("examples/systemd/unitsync.service", () => {
  const text = readFileSync(join(EXAMPLES, "systemd/unitsync.service"), "utf8");
  const unit = parseUnitFile(text);
  const execStart = (unit.Service?.ExecStart?.[0] ?? "").split(/\s+/);

  test("runs the binary install.sh puts in /usr/local/bin, with its socket in the runtime directory", () => {
    expect(execStart.slice(0, 4)).toEqual([
      "/usr/local/bin/unitsync",
      "agent",
      "--scripts",
      "/etc/unitsync.d",
    ]);
    expect(unit.Service?.Environment).toEqual(["UNITSYNC_SOCKET_PATH=/run/unitsync/agent.sock"]);
    expect(unit.Service?.RuntimeDirectory).toEqual(["unitsync"]);
    expect(unit.Service?.RuntimeDirectoryMode).toEqual(["0700"]);
    expect(unit.Install?.WantedBy).toEqual(["multi-user.target"]);
  });

  test.skipIf(missing("systemd-analyze"))("systemd-analyze verify finds nothing to say", async () => {
    using dir = tempDir();
    const copy = write(
      join(dir.path, "unitsync.service"),
      text.replace("/usr/local/bin/unitsync", BIN),
      0o644,
    );
    const proc = Bun.spawn(["systemd-analyze", "verify", copy], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const { stdout: out, stderr: err, exitCode: code } = await outputOf(proc);
    expect({ out, err, code }).toEqual({ out: "", err: "", code: 0 });
  });

  test("ExecStart runs the scripts and serves; SIGTERM (systemctl stop) exits 0 and removes the socket", async () => {
    using dir = tempDir();
    const scripts = join(dir.path, "etc-unitsync.d");
    const logs = join(dir.path, "var-log-unitsync");
    cpSync(join(EXAMPLES, "startup.d"), scripts, { recursive: true });
    const argv = execStart.map((word) =>
      word === "/usr/local/bin/unitsync"
        ? BIN
        : word === "/etc/unitsync.d"
          ? scripts
          : word === "/var/log/unitsync"
            ? logs
            : word,
    );
    const proc = Bun.spawn(argv, {
      env: cleanEnv({ UNITSYNC_SOCKET_PATH: dir.socket, EXAMPLE_WORKSPACE: join(dir.path, "ws") }),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const output = outputOf(proc);
    try {
      await waitFor(
        "the scripts to complete",
        async () => {
          const list = await sync(dir.socket, "list", "-o", "json");
          const rows = list.exitCode === 0 ? (JSON.parse(list.stdout) as { status: string }[]) : [];
          return rows.length === 6 && rows.every((row) => row.status === "completed");
        },
        30_000,
      );
      expect(readFileSync(join(logs, "migrations.log"), "utf8")).toContain("1 migration applied");
    } finally {
      proc.kill("SIGTERM");
    }
    expect(await proc.exited).toBe(0);
    await output;
    expect(existsSync(dir.socket)).toBe(false);
  });
});

// --- internal ---

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments and blank lines dropped. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

/**
 * Whether a .dockerignore excludes `path` from the build context, as Docker reads it: the last
 * pattern that matches the path or one of its parent directories decides; `!` re-includes.
 */
function dockerIgnore(text: string): (path: string) => boolean {
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const keep = line.startsWith("!");
      return { keep, glob: new Bun.Glob(line.slice(keep ? 1 : 0).replace(/^\/+|\/+$/g, "")) };
    });
  return (path) => {
    const parts = path.split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let ignored = false;
    for (const { keep, glob } of rules) if (prefixes.some((prefix) => glob.match(prefix))) ignored = !keep;
    return ignored;
  };
}

/** A systemd unit file as section -> key -> values (a key may repeat). */
function parseUnitFile(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = {};
      sections[header[1] as string] = current;
      continue;
    }
    const eq = line.indexOf("=");
    const key = line.slice(0, eq);
    current[key] = [...(current[key] ?? []), line.slice(eq + 1)];
  }
  return sections;
}

interface Template {
  variable: Record<string, unknown>;
  resource: {
    coder_agent: Record<string, unknown>;
    coder_script: Record<string, { agent_id: string; run_on_start: boolean; script: string }[]>;
  };
}

function parseTemplate(file: string, text: string): Promise<Template> {
  return parseHcl(file, text) as Promise<Template>;
}

/** The coder_script scripts, as Terraform would render them with `repo_url` set. */
async function templateScripts(
  file: string,
  text: string,
  repoUrl: string,
  databaseAddress = "127.0.0.1:5432",
): Promise<Record<string, string>> {
  const config = await parseTemplate(file, text);
  return Object.fromEntries(
    Object.entries(config.resource.coder_script).map(([name, [resource]]) => [
      name,
      (resource?.script ?? "")
        .replaceAll(REPO_URL_REF, repoUrl)
        .replaceAll(DATABASE_REF, databaseAddress)
        .replaceAll("$$" + "{", "$" + "{"),
    ]),
  );
}

/** Runs the scripts in parallel as the Coder agent would (sh, the workspace's HOME, unitsync on PATH). */
async function runScripts(
  dir: string,
  scripts: Record<string, string>,
  home: string,
  socket: string,
): Promise<Record<string, number>> {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  mkdirSync(home, { recursive: true });
  if (!existsSync(join(bin, "unitsync"))) symlinkSync(BIN, join(bin, "unitsync"));
  const env = cleanEnv({ HOME: home, PATH: `${bin}:${process.env.PATH}`, UNITSYNC_SOCKET_PATH: socket });
  const exits = await Promise.all(
    Object.entries(scripts).map(async ([name, script]) => {
      const path = write(join(dir, `${name}.sh`), script);
      const proc = Bun.spawn(["sh", path], {
        env,
        cwd: home,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      const { exitCode: code } = await outputOf(proc);
      return [name, code] as const;
    }),
  );
  return Object.fromEntries(exits);
}

/** A local git repository to clone, holding a bin/dev that marks that it ran. */
function makeRepo(path: string): string {
  const work = `${path}-work`;
  write(join(work, "README.md"), "# example\n", 0o644);
  write(join(work, "bin/dev"), '#!/bin/sh\necho started > "$(dirname "$0")/../.dev-started"\n');
  const git = (...args: string[]) => {
    const result = Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: work,
      env: cleanEnv(),
      stderr: "pipe",
    });
    if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
  };
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "example");
  git("clone", "-q", "--bare", work, path);
  return path;
}

/** From the agent's JSON event log: the completed units, and each start that came before a dependency completed. */
function checkOrder(
  log: string,
  deps: Record<string, string[]>,
): { completed: string[]; outOfOrder: string[] } {
  const events = log
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { seq?: number; type?: string; unit?: string })
    .filter((event) => typeof event.seq === "number");
  const seq = (type: string, unit: string) =>
    events.find((e) => e.type === type && e.unit === unit)?.seq ?? Number.NaN;
  const outOfOrder = Object.entries(deps).flatMap(([unit, wants]) =>
    wants
      .filter((dep) => !(seq("completed", dep) < seq("started", unit)))
      .map((dep) => `${unit} started before ${dep} completed`),
  );
  const completed = [
    ...new Set(events.filter((e) => e.type === "completed").map((e) => e.unit as string)),
  ].sort();
  return { completed, outOfOrder };
}

/** Runs shellcheck (the shell from each file's #! line); SC1091 (a sourced file shellcheck cannot see) is always allowed: the
 * examples source files that another script writes at startup. */
async function shellcheck(files: string[], exclude: string[] = []): Promise<void> {
  exclude = ["SC1091", ...exclude];
  const args = ["shellcheck", `--exclude=${exclude.join(",")}`, ...files];
  const proc = Bun.spawn(args, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const { stdout: out, stderr: err, exitCode: code } = await outputOf(proc);
  expect({ out, err, code }).toEqual({ out: "", err: "", code: 0 });
}

async function sh(script: string, env: Record<string, string> = {}) {
  const proc = Bun.spawn(["sh", "-c", script], {
    env: cleanEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, exitCode } = await outputOf(proc);
  if (exitCode !== 0) console.error(`sh failed (${exitCode}):\n${stdout}${stderr}`);
  return { stdout, stderr, exitCode };
}

/** A child's stdout, stderr and exit code, read concurrently. */
async function outputOf(proc: {
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  exited: Promise<number>;
}) {
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

function write(path: string, content: string, mode = 0o755): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}
