/**
 * integrations/: the Coder module and the dev container Feature, each checked the way its
 * ecosystem reads it and run for real. The module is parsed as HCL, its scripts rendered by
 * Terraform itself (`terraform console` over scripts.tf, which needs no provider), checked with
 * shellcheck and run all at once against the compiled binary, installed from a local release over
 * HTTP. The Feature's install.sh runs as root in a clean Debian root filesystem (test/_rootfs.ts),
 * then its entrypoint starts an agent that a script coordinates through.
 * Not exercised here: a Coder deployment, the Coder registry, the devcontainer CLI, Docker.
 */
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { writeChecksums } from "../build.ts";
import pkg from "../package.json" with { type: "json" };
import { BIN, cleanEnv, startAgent, sync, tempDir } from "./_helpers.ts";
import { makeRelease, ROOT, requireHostTarget, serveDir } from "./_release-fixture.ts";
import { container, rootfsMissing } from "./_rootfs.ts";
import { missing } from "./_tools.ts";

const CODER = join(ROOT, "integrations/coder");
const FEATURE = join(ROOT, "integrations/devcontainer/unitsync");
const HOST = requireHostTarget();
// A root filesystem test may first build the cache (debootstrap: 93 s measured, 215 s at a load
// average of 150) under UNITSYNC_ROOTFS_TEST=1, then install (the URL case: apt-get, about 50 s).
const ROOTFS_TIMEOUT = 600_000;
/** A Terraform interpolation as hcl2json writes it: "${var.x}". */
const ref = (expression: string) => `\${${expression}}`;

describe("integrations/coder: the Coder module", () => {
  test("parses as HCL in the registry's shape: inputs, one coder_script per script plus the target, outputs", async () => {
    const config = await moduleConfig();
    expect(Object.keys(config.variable).sort()).toEqual([
      "agent_id",
      "install_prefix",
      "install_version",
      "offline",
      "release_base_url",
      "release_url",
      "scripts",
      "target",
      "unit_prefix",
      "want",
    ]);
    expect(config.terraform[0]?.required_providers[0]?.coder?.source).toBe("coder/coder");
    const { script, target } = config.resource.coder_script;
    expect(script?.[0]).toMatchObject({
      for_each: ref("var.scripts"),
      agent_id: ref("var.agent_id"),
      run_on_start: true,
      start_blocks_login: ref("each.value.blocks_login"),
      script: ref("local.rendered[each.key]"),
    });
    expect(target?.[0]).toMatchObject({ agent_id: ref("var.agent_id"), run_on_start: true });
    // No coder_script_order or other newer resources: any Coder version with coder_script.
    expect(Object.keys(config.resource)).toEqual(["coder_script"]);
    expect(Object.keys(config.output).sort()).toEqual(["target", "unit_names"]);
    expect(pkg.version).toBe(config.variable.install_version?.[0]?.default as string);
  });

  test("its README has the registry's frontmatter, documents every input and output, and its examples use only those inputs", async () => {
    const readme = readFileSync(join(CODER, "README.md"), "utf8");
    const front = /^---\n([\s\S]*?)\n---\n/.exec(readme)?.[1] ?? "";
    expect(Object.keys(Bun.YAML.parse(front) as object).sort()).toEqual([
      "description",
      "display_name",
      "icon",
      "tags",
      "verified",
    ]);
    const config = await moduleConfig();
    const documented = (heading: string) => {
      const section = readme.slice(
        readme.indexOf(`## ${heading}`),
        readme.indexOf("\n## ", readme.indexOf(`## ${heading}`) + 1),
      );
      return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]).sort();
    };
    expect(documented("Inputs")).toEqual(Object.keys(config.variable).sort());
    expect(documented("Outputs")).toEqual(Object.keys(config.output).sort());
    const examples = [...readme.matchAll(/```tf\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const [i, example] of examples.entries()) {
      const parsed = (await parseHcl(`example-${i}.tf`, example)) as {
        module: Record<string, [Record<string, unknown>]>;
      };
      for (const [, [block]] of Object.entries(parsed.module)) {
        const inputs = Object.keys(block).filter((key) => key !== "source");
        expect(inputs.filter((key) => !(key in config.variable))).toEqual([]);
        expect(block.source).toContain(`v${pkg.version}`);
      }
    }
  });

  test.skipIf(missing("terraform"))(
    "refuses script keys and timeouts that are not what unitsync takes",
    async () => {
      // Terraform says why on stderr, wrapped to the terminal's width.
      const error = async (vars: Record<string, unknown>) =>
        (await renderModule(vars, "1")).stderr.replace(/\s+/g, " ");
      const badKey = await error({ agent_id: "a", scripts: { "has space": { script: "true" } } });
      expect(badKey).toContain("Error: Invalid value for variable");
      expect(badKey).toContain("Script keys are 1-64 letters");
      expect(await error({ agent_id: "a", scripts: { a: { script: "true", timeout: "soon" } } })).toContain(
        "A timeout is a Go-style duration",
      );
      expect(await error({ agent_id: "a", scripts: { a: { script: "true" } } })).not.toContain("Error:");
    },
  );

  describe.skipIf(missing("terraform"))("rendered by Terraform", () => {
    test.skipIf(missing("shellcheck"))("its scripts pass shellcheck", async () => {
      using dir = tempDir();
      const project = await rendered(projectModule("http://127.0.0.1:1/v1"));
      const offline = await rendered({ ...projectModule(""), offline: true });
      const files = [project, offline].flatMap((module, i) =>
        Object.entries(module.scripts).map(([key, text]) => {
          const path = join(dir.path, `${i}-${key}.sh`);
          writeFileSync(path, text);
          return path;
        }),
      );
      const proc = Bun.spawn(["shellcheck", "--shell=sh", ...files], { stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect({ out, err, code }).toEqual({ out: "", err: "", code: 0 });
    });

    test("two modules' scripts, started all at once on a bare machine, install unitsync once and run in dependency order", async () => {
      using dir = tempDir();
      const release = await makeRelease(join(dir.path, "release"), { [HOST]: "real" });
      const requests: string[] = [];
      using server = serveDir(release, requests);
      const url = `http://127.0.0.1:${server.port}/v1`;
      const project = await rendered(projectModule(url));
      const ide = await rendered({
        agent_id: "main",
        release_url: url,
        unit_prefix: "ide",
        want: [project.target],
        scripts: { settings: { script: 'test -f "$HOME/app/DEPS" && echo "{}" >"$HOME/app/settings.json"' } },
      });
      expect(project.units).toEqual({ clone: "project.clone", deps: "project.deps", dev: "project.dev" });
      expect([project.target, ide.target]).toEqual(["project", "ide"]);

      await using agent = await startAgent(dir.socket, ["--log-format", "json"]);
      const home = join(dir.path, "home");
      const exits = await runScripts(
        dir.path,
        { ...prefixed("project", project.scripts), ...prefixed("ide", ide.scripts) },
        home,
        dir.socket,
      );
      expect(exits).toEqual({
        "project/clone": 0,
        "project/deps": 0,
        "project/dev": 0,
        "project/target": 0,
        "ide/settings": 0,
        "ide/target": 0,
      });
      expect(
        order(
          agent.log(),
          {
            "project.deps": ["project.clone"],
            "project.dev": ["project.deps"],
            "ide.settings": ["project"],
          },
          { project: ["project.clone", "project.deps", "project.dev"], ide: ["ide.settings"] },
        ),
      ).toEqual([]);
      expect(await kinds(dir.socket)).toMatchObject({
        project: ["completed", "target"],
        ide: ["completed", "target"],
      });
      expect(readFileSync(join(home, "app/settings.json"), "utf8")).toBe("{}\n");
      // One binary download for six scripts; the others found it current from SHA256SUMS alone.
      expect(requests.filter((path) => path.endsWith(`/unitsync-${HOST}`))).toHaveLength(1);
      expect(readdirSync(join(home, ".local"))).toEqual(["bin"]); // no lock left behind
    });

    test.skipIf(missing("wget"))("on an image with wget but no curl, installs with wget", async () => {
      using dir = tempDir();
      const release = await makeRelease(join(dir.path, "release"), { [HOST]: "real" });
      const requests: string[] = [];
      using server = serveDir(release, requests);
      const module = await rendered({
        agent_id: "main",
        release_url: `http://127.0.0.1:${server.port}/v1`,
        scripts: { a: { script: "true" }, b: { script: "true", want: ["a"] } },
      });
      await using _agent = await startAgent(dir.socket);
      const exits = await runScripts(
        dir.path,
        module.scripts,
        join(dir.path, "home"),
        dir.socket,
        undefined,
        withoutCurl(dir.path),
      );
      expect(exits).toEqual({ a: 0, b: 0, target: 0 });
      expect(requests.filter((path) => path.endsWith(`/unitsync-${HOST}`))).toHaveLength(1);
    });

    test("a failing script stops its dependents and the module's target at once (exit 4)", async () => {
      using dir = tempDir();
      const module = await rendered({
        agent_id: "main",
        offline: true, // the install is tested above; here, only what a failure does
        unit_prefix: "p",
        scripts: {
          broken: { script: "#!/bin/sh\necho broken >&2\nexit 3\n" },
          after: { script: "echo never", want: ["broken"] },
          alone: { script: "true" },
        },
      });
      await using _agent = await startAgent(dir.socket);
      const exits = await runScripts(
        dir.path,
        module.scripts,
        join(dir.path, "home"),
        dir.socket,
        imageBin(dir.path),
      );
      // The target's script only declares it; the target itself fails, so whatever wants it stops.
      expect(exits).toEqual({ broken: 3, after: 4, alone: 0, target: 0 });
      expect(await kinds(dir.socket)).toMatchObject({ p: ["failed", "target"] });
      const waiter = await sync(dir.socket, "wait", "p");
      expect(waiter.exitCode).toBe(4);
      expect(waiter.stderr).toContain("p.broken");
    });

    test("with a unitsync from before targets, the target is a unit that waits for the scripts", async () => {
      using dir = tempDir();
      // An older binary on the image's PATH: no `exp sync target`, everything else as now.
      const bin = join(dir.path, "old-bin");
      mkdirSync(bin);
      write(
        join(bin, "unitsync"),
        `#!/bin/sh\n[ "$3" = target ] && { echo 'error: unknown command "target"' >&2; exit 2; }\nexec ${BIN} "$@"\n`,
      );
      const module = await rendered({ ...projectModule(""), offline: true });
      await using agent = await startAgent(dir.socket, ["--log-format", "json"]);
      const exits = await runScripts(dir.path, module.scripts, join(dir.path, "home"), dir.socket, bin);
      expect(exits).toEqual({ clone: 0, deps: 0, dev: 0, target: 0 });
      expect(order(agent.log(), { project: ["project.clone", "project.deps", "project.dev"] })).toEqual([]);
      expect(await kinds(dir.socket)).toMatchObject({ project: ["completed", ""] });
    });

    test("offline = true runs the unitsync already on PATH and downloads nothing", async () => {
      using dir = tempDir();
      const bin = imageBin(dir.path);
      // A release URL nothing listens on: any download would fail the script.
      const module = await rendered({ ...projectModule("http://127.0.0.1:1/v1"), offline: true });
      await using _agent = await startAgent(dir.socket);
      const home = join(dir.path, "home");
      const exits = await runScripts(dir.path, module.scripts, home, dir.socket, bin);
      expect(exits).toEqual({ clone: 0, deps: 0, dev: 0, target: 0 });
      expect(existsSync(join(home, ".local"))).toBe(false);
    });
  });
});

describe("integrations/devcontainer/unitsync: the dev container Feature", () => {
  const metadata = JSON.parse(readFileSync(join(FEATURE, "devcontainer-feature.json"), "utf8"));

  test("devcontainer-feature.json: id of its folder, the package's version, string options with defaults, the entrypoint install.sh writes", () => {
    expect(metadata.id).toBe(basename(FEATURE));
    expect(metadata.version).toBe(pkg.version);
    expect(
      Object.fromEntries(
        Object.entries(metadata.options as Record<string, { type: string; default: string }>).map(
          ([name, o]) => [name, [o.type, o.default]],
        ),
      ),
    ).toEqual({
      version: ["string", pkg.version],
      source: ["string", ""],
      scripts: ["string", "/etc/unitsync.d"],
    });
    const install = readFileSync(join(FEATURE, "install.sh"), "utf8");
    expect(metadata.entrypoint).toBe("/usr/local/share/unitsync/entrypoint.sh");
    expect(install).toContain("share=/usr/local/share/unitsync");
    expect(install).toContain(`version=\${VERSION:-${pkg.version}}`);
    expect(install).toContain('cp "$here/entrypoint.sh" "$share/entrypoint.sh"');
    expect(readdirSync(FEATURE).sort()).toEqual([
      "README.md",
      "devcontainer-feature.json",
      "entrypoint.sh",
      "install.sh",
    ]);
  });

  test.skipIf(missing("shellcheck"))("install.sh and entrypoint.sh pass shellcheck", async () => {
    const proc = Bun.spawn(
      ["shellcheck", "--shell=sh", join(FEATURE, "install.sh"), join(FEATURE, "entrypoint.sh")],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ out, err, code }).toEqual({ out: "", err: "", code: 0 });
  });

  describe.skipIf(rootfsMissing())("in a clean Debian root filesystem, as root", () => {
    test(
      "installs from the bundled offline copy; the entrypoint's agent, run as the remote user, runs the startup scripts and serves the user's",
      async () => {
        await using box = await containerWithUser();
        const feature = join(box.upper, "tmp/feature");
        cpSync(FEATURE, feature, { recursive: true });
        await releaseFolder(join(feature, "release"));
        const install = await box.run(["sh", "/tmp/feature/install.sh"], {
          VERSION: pkg.version,
          SOURCE: "",
          SCRIPTS: "/etc/unitsync.d",
          _REMOTE_USER: "dev",
        });
        expect(install).toMatchObject({
          exitCode: 0,
          stderr: expect.stringContaining(`installed ${pkg.version}`),
        });

        write(
          join(box.upper, "etc/unitsync.d/early.sh"),
          '#!/bin/sh\necho "early, as $(id -un)" >/tmp/early\n',
        );
        // The container's command, as a postStartCommand runs it: as the remote user, at once.
        const user = [
          "unitsync exp sync run late --want early --no-autostart -- sh -c 'cat /tmp/early'",
          "unitsync exp sync list -o json",
        ].join(" && ");
        const start = await box.run([
          "/usr/local/share/unitsync/entrypoint.sh",
          "su",
          "dev",
          "-s",
          "/bin/sh",
          "-c",
          user,
        ]);
        expect(start.exitCode).toBe(0);
        expect(start.stdout).toContain("early, as dev\n");
        const list = JSON.parse(start.stdout.slice(start.stdout.indexOf("["))) as {
          unit_name: string;
          status: string;
        }[];
        expect(list.map((row) => [row.unit_name, row.status])).toEqual([
          ["early", "completed"],
          ["late", "completed"],
        ]);
      },
      ROOTFS_TIMEOUT,
    );

    test.skipIf(rootfsMissing({ network: true }))(
      "installs from a URL on an image with neither curl nor wget (curl comes from apt)",
      async () => {
        await using box = await containerWithUser();
        cpSync(FEATURE, join(box.upper, "tmp/feature"), { recursive: true });
        using dir = tempDir();
        using server = serveDir(await releaseFolder(join(dir.path, "release")));
        const install = await box.run(["sh", "/tmp/feature/install.sh"], {
          SOURCE: `http://127.0.0.1:${server.port}/v1`,
          _REMOTE_USER: "dev",
        });
        expect(install).toMatchObject({ exitCode: 0, stderr: expect.stringContaining("installing curl") });
        expect(await box.run(["unitsync", "--version"])).toMatchObject({
          exitCode: 0,
          stdout: `${pkg.version}\n`,
        });
      },
      ROOTFS_TIMEOUT,
    );
  });
});

// --- internal ---

interface ModuleConfig {
  terraform: { required_providers: Record<string, { source: string }>[] }[];
  variable: Record<string, [{ default?: unknown }]>;
  resource: { coder_script: Record<string, Record<string, unknown>[]> };
  output: Record<string, unknown>;
}

/** main.tf and scripts.tf, parsed and merged as Terraform reads a module's files. */
async function moduleConfig(): Promise<ModuleConfig> {
  const parts = await Promise.all(
    ["main.tf", "scripts.tf"].map(
      async (file) =>
        (await parseHcl(file, readFileSync(join(CODER, file), "utf8"))) as Record<
          string,
          Record<string, unknown>
        >,
    ),
  );
  const merged: Record<string, Record<string, unknown>> = {};
  for (const part of parts)
    for (const [kind, blocks] of Object.entries(part)) merged[kind] = { ...merged[kind], ...blocks };
  return merged as unknown as ModuleConfig;
}

/**
 * `terraform console` over a copy of scripts.tf and its templates, with `vars` as the module's
 * inputs, printing `expression`. Invalid inputs are reported on stderr (exit 0); evaluating the
 * module's locals after that crashes Terraform 1.11, so those checks print a constant.
 */
async function renderModule(
  vars: Record<string, unknown>,
  expression = "jsonencode({ rendered = local.rendered, target_script = local.target_script, units = local.units, target = local.target })",
) {
  using dir = tempDir();
  // Every file of the module but main.tf, the one that needs the coder provider.
  for (const file of readdirSync(CODER).filter((name) => name !== "main.tf"))
    copyFileSync(join(CODER, file), join(dir.path, file));
  writeFileSync(join(dir.path, "inputs.tfvars.json"), JSON.stringify(vars));
  const proc = Bun.spawn(["terraform", "console", "-no-color", "-var-file=inputs.tfvars.json"], {
    cwd: dir.path,
    env: cleanEnv({ CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" }),
    stdin: new Blob([`${expression}\n`]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

interface Rendered {
  /** Every coder_script's script, by key, the target's as "target". */
  scripts: Record<string, string>;
  units: Record<string, string>;
  target: string;
}

async function rendered(vars: Record<string, unknown>): Promise<Rendered> {
  const result = await renderModule(vars);
  if (result.exitCode !== 0 || result.stderr.includes("Error:"))
    throw new Error(`terraform console failed:\n${result.stderr}`);
  // The console prints the JSON as an HCL string literal, whose escapes are JSON's.
  const value = JSON.parse(JSON.parse(result.stdout.trim())) as {
    rendered: Record<string, string>;
    target_script: string;
    units: Record<string, string>;
    target: string;
  };
  return {
    scripts: { ...value.rendered, target: value.target_script },
    units: value.units,
    target: value.target,
  };
}

/** A module of three scripts in a chain, one with a #! line and two without. */
function projectModule(url: string): Record<string, unknown> {
  return {
    agent_id: "main",
    release_url: url,
    unit_prefix: "project",
    scripts: {
      clone: { script: '#!/bin/sh\nset -eu\nmkdir -p "$HOME/app"\necho cloned >"$HOME/app/CLONED"\n' },
      deps: {
        script: 'test -f "$HOME/app/CLONED" && echo deps >"$HOME/app/DEPS"',
        want: ["clone"],
        blocks_login: true,
      },
      dev: { script: 'test -f "$HOME/app/DEPS"', want: ["deps"], timeout: "1m" },
    },
  };
}

/** A PATH of one directory linking every command on this PATH but curl. */
function withoutCurl(dir: string): string {
  const bin = join(dir, "no-curl-bin");
  mkdirSync(bin);
  for (const from of (process.env.PATH ?? "").split(":")) {
    let names: string[] = [];
    try {
      names = readdirSync(from);
    } catch {}
    for (const name of names) {
      if (name === "curl" || existsSync(join(bin, name))) continue;
      symlinkSync(join(from, name), join(bin, name));
    }
  }
  return bin;
}

/** A directory holding unitsync, as an image that has it on PATH would. */
function imageBin(dir: string): string {
  const bin = join(dir, "image-bin");
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, "unitsync"));
  return bin;
}

function prefixed(prefix: string, scripts: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(scripts).map(([key, text]) => [`${prefix}/${key}`, text]));
}

/**
 * Runs the scripts at once as Coder's agent would: each with sh, as the workspace user (HOME), with
 * a PATH that has no unitsync unless `extraPath` adds one. Returns each one's exit status.
 */
async function runScripts(
  dir: string,
  scripts: Record<string, string>,
  home: string,
  socket: string,
  extraPath?: string,
  basePath = process.env.PATH,
): Promise<Record<string, number>> {
  mkdirSync(home, { recursive: true });
  const path = [extraPath, basePath].filter(Boolean).join(":");
  const exits = await Promise.all(
    Object.entries(scripts).map(async ([key, text]) => {
      const file = join(dir, `${key.replaceAll("/", "-")}.coder-script.sh`);
      writeFileSync(file, text);
      const proc = Bun.spawn(["sh", file], {
        env: cleanEnv({ HOME: home, PATH: path, UNITSYNC_SOCKET_PATH: socket }),
        cwd: home,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      const [, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      if (code !== 0 && process.env.UNITSYNC_TEST_VERBOSE) console.error(`${key} exited ${code}:\n${err}`);
      return [key, code] as const;
    }),
  );
  return Object.fromEntries(exits);
}

/** Each unit's status and kind ("target" or ""), from `list -o json`. */
async function kinds(socket: string): Promise<Record<string, [string, string]>> {
  const list = await sync(socket, "list", "-o", "json");
  const rows = JSON.parse(list.stdout) as { unit_name: string; status: string; kind?: string }[];
  return Object.fromEntries(rows.map((row) => [row.unit_name, [row.status, row.kind ?? ""]]));
}

/**
 * From the agent's JSON event log: each unit that started before one of its dependencies
 * completed, and each target that completed before one of its members.
 */
function order(
  log: string,
  deps: Record<string, string[]>,
  targets: Record<string, string[]> = {},
): string[] {
  const events = log
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { seq?: number; type?: string; unit?: string })
    .filter((event) => typeof event.seq === "number");
  const seq = (type: string, unit: string) =>
    events.find((e) => e.type === type && e.unit === unit)?.seq ?? Number.NaN;
  return [
    ...Object.entries(deps).flatMap(([unit, wants]) =>
      wants
        .filter((dep) => !(seq("completed", dep) < seq("started", unit)))
        .map((dep) => `${unit} started before ${dep} completed`),
    ),
    ...Object.entries(targets).flatMap(([target, members]) =>
      members
        .filter((member) => !(seq("completed", member) < seq("completed", target)))
        .map((member) => `${target} completed before ${member} did`),
    ),
  ];
}

/** A release folder of real files (a chroot cannot follow links out of itself): the host binary, install.sh, SHA256SUMS. */
async function releaseFolder(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  copyFileSync(BIN, join(dir, `unitsync-${HOST}`));
  chmodSync(join(dir, `unitsync-${HOST}`), 0o755);
  copyFileSync(join(ROOT, "install.sh"), join(dir, "install.sh"));
  await writeChecksums(dir, [`unitsync-${HOST}`, "install.sh"]);
  return dir;
}

/** A container over the clean root filesystem, with the user a dev container image has ("dev"). */
async function containerWithUser() {
  const box = await container();
  const added = await box.run(["useradd", "--create-home", "dev"]);
  if (added.exitCode !== 0) throw new Error(`useradd failed: ${added.stderr}`);
  return { upper: box.upper, run: box.run, [Symbol.asyncDispose]: async () => box[Symbol.dispose]() };
}

function write(path: string, content: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, 0o755);
}
