/**
 * `unitsync completion bash|zsh|fish`: the scripts the binary prints are loaded into the real
 * shells and asked for completions, against a running agent for the arguments that name units.
 * bash and fish answer through their own machinery (COMP_WORDS, `complete -C`); for zsh, the
 * completion system's builtins are replaced by stand-ins that print what they were given.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INSTALL_LINES } from "../src/lib/cli/completion/install.ts";
import { BIN, cleanEnv, run, startAgent, sync, tempDir } from "./_helpers.ts";
import { missing } from "./_tools.ts";

const scripts: Record<string, string> = {};

beforeAll(async () => {
  for (const shell of ["bash", "zsh", "fish"]) {
    const result = await run(["completion", shell]);
    if (result.exitCode !== 0) throw new Error(`completion ${shell} failed: ${result.stderr}`);
    scripts[shell] = result.stdout;
  }
});

describe("unitsync completion", () => {
  test("refuses an unknown shell with a usage error", async () => {
    expect(await run(["completion", "powershell"])).toEqual({
      stdout: "",
      stderr: 'error: unknown shell "powershell"; choose from: bash, zsh, fish\n',
      exitCode: 2,
    });
  });

  describe("bash", () => {
    const cases: [line: string, expected: string[]][] = [
      ["unitsync ", ["agent", "exp", "sync", "completion"]],
      ["unitsync exp sync st", ["start", "status"]],
      ["unitsync sync comp", ["complete"]],
      [
        "unitsync exp sync list -",
        ["--output", "-o", "--column", "-c", "--all", "--socket-path", "--help", "-h"],
      ],
      ["unitsync exp sync list -o ", ["table", "json"]],
      ["unitsync agent --log-format=j", ["json"]],
      ["unitsync completion ", ["bash", "zsh", "fish"]],
      ["unitsync exp sync run app -- unitsyn", ["unitsync"]],
      ["unitsync exp sync start --no-", ["--no-autostart"]],
    ];
    test.each(cases)("%p completes to %p", async (line, expected) => {
      expect(await bashComplete(line)).toEqual(expected);
    });

    test("completes unit names from the running agent", async () => {
      using dir = tempDir();
      await using _agent = await startAgent(dir.socket);
      // env-setup is known only as a dependency: it is offered too (a script may start it next).
      await sync(dir.socket, "want", "my-app", "git-clone");
      await sync(dir.socket, "want", "git-clone", "env-setup");
      expect(await bashComplete("unitsync exp sync start ", dir.socket)).toEqual([
        "env-setup",
        "git-clone",
        "my-app",
      ]);
      expect(await bashComplete(`unitsync exp sync run x --want g`, dir.socket)).toEqual(["git-clone"]);
      // --want takes a comma-separated list: its second unit completes too.
      expect(await bashComplete(`unitsync exp sync run x --want env-setup,g`, dir.socket)).toEqual([
        "env-setup,git-clone",
      ]);
      // Without an agent there is nothing to offer, and nothing is printed.
      expect(await bashComplete("unitsync exp sync start ", join(dir.path, "none.sock"))).toEqual([]);
    });
  });

  describe.skipIf(missing("zsh"))("zsh", () => {
    test("passes zsh's syntax check", async () => {
      using dir = tempDir();
      writeFileSync(join(dir.path, "_unitsync"), scripts.zsh as string);
      const result = await shell(["zsh", "-n", join(dir.path, "_unitsync")]);
      expect(result).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    });

    const cases: [line: string, expected: string][] = [
      ["unitsync ", "describe: agent exp sync completion"],
      ["unitsync sync st", "describe: ping want start complete status list"],
      ["unitsync exp sync list -o ", "compadd: table json"],
      ["unitsync agent --scripts ", "files"],
      ["unitsync completion ", "compadd: bash zsh fish"],
      ["unitsync exp sync run app -- ", "commands"],
    ];
    test("offers --no-autostart", async () => {
      expect(await zshComplete("unitsync exp sync start --")).toContain(" --no-autostart");
    });
    test.each(cases)("%p offers %p", async (line, expected) => {
      expect(await zshComplete(line)).toStartWith(expected);
    });

    test("completes unit names from the running agent", async () => {
      using dir = tempDir();
      await using _agent = await startAgent(dir.socket);
      await sync(dir.socket, "want", "my-app", "git-clone");
      await sync(dir.socket, "want", "git-clone", "env-setup");
      expect(await zshComplete("unitsync exp sync complete ", dir.socket)).toBe(
        "compadd: env-setup git-clone my-app",
      );
    });

    test("the documented install lines work for a user without root", async () => {
      using dir = tempDir();
      const home = join(dir.path, "home");
      mkdirSync(home);
      const env = { HOME: home, PATH: pathWithBinary(dir.path) };
      const install = await shell(
        ["sh", "-ec", INSTALL_LINES.zsh.filter((l) => !l.startsWith("#")).join("\n")],
        env,
      );
      expect(install).toEqual({ stdout: "", stderr: "", exitCode: 0 });
      // What the comment line asks of ~/.zshrc, then compinit: the function is found and bound.
      const check = await shell(
        [
          "zsh",
          "-f",
          "-c",
          "fpath=(~/.zfunc $fpath); autoload -U compinit && compinit -u -d ~/.zcompdump; print -r -- $_comps[unitsync]",
        ],
        env,
      );
      expect(check).toEqual({ stdout: "_unitsync\n", stderr: "", exitCode: 0 });
    });
  });

  describe.skipIf(missing("fish"))("fish", () => {
    const cases: [line: string, expected: string[]][] = [
      ["unitsync ", ["agent", "completion", "exp", "sync"]],
      ["unitsync exp sync st", ["start", "status"]],
      ["unitsync exp sync list -o ", ["json", "table"]],
      ["unitsync agent --log-format ", ["json", "text"]],
      ["unitsync completion ", ["bash", "fish", "zsh"]],
      ["unitsync exp sync start --no-a", ["--no-autostart"]],
    ];
    test.each(cases)("%p completes to %p", async (line, expected) => {
      expect(await fishComplete(line)).toEqual(expected);
    });

    test("offers unit names for --want bare, without the flag's description, and after a comma", async () => {
      using dir = tempDir();
      await using _agent = await startAgent(dir.socket);
      await sync(dir.socket, "want", "my-app", "git-clone");
      expect(await fishComplete("unitsync exp sync run x --want ", dir.socket, { raw: true })).toEqual([
        "git-clone",
        "my-app",
      ]);
      expect(await fishComplete("unitsync exp sync run x --want my-app,g", dir.socket)).toEqual([
        "my-app,git-clone",
      ]);
    });

    test("completes unit names from the running agent", async () => {
      using dir = tempDir();
      await using _agent = await startAgent(dir.socket);
      await sync(dir.socket, "want", "my-app", "git-clone");
      await sync(dir.socket, "want", "git-clone", "env-setup");
      expect(await fishComplete("unitsync exp sync status ", dir.socket)).toEqual([
        "env-setup",
        "git-clone",
        "my-app",
      ]);
    });
  });
});

// --- internal ---

/** A shell's output, read concurrently. */
async function shell(argv: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn(argv, { env: cleanEnv(env), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

/** Words as bash splits a command line for completion (`=` is a word of its own). */
function words(line: string): string[] {
  const parts = line.replace(/=/g, " = ").split(/ +/);
  return line.endsWith(" ") ? parts : parts.filter((word, i) => word !== "" || i < parts.length - 1);
}

/** PATH with `unitsync` pointing at the binary under test. */
function pathWithBinary(dir: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  symlinkSync(BIN, join(bin, "unitsync"));
  return `${bin}:${process.env.PATH}`;
}

async function bashComplete(line: string, socket = "/nonexistent/agent.sock"): Promise<string[]> {
  using dir = tempDir();
  const script = join(dir.path, "completion.bash");
  writeFileSync(script, scripts.bash as string);
  const quoted = words(line).map((word) => `'${word}'`);
  const program = `source '${script}'
COMP_WORDS=(${quoted.join(" ")}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_unitsync
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = await shell(["bash", "--norc", "-c", program], {
    PATH: pathWithBinary(dir.path),
    UNITSYNC_SOCKET_PATH: socket,
  });
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return result.stdout.split("\n").filter(Boolean);
}

async function zshComplete(line: string, socket = "/nonexistent/agent.sock"): Promise<string> {
  using dir = tempDir();
  const script = join(dir.path, "_unitsync");
  writeFileSync(script, scripts.zsh as string);
  const argv = line.split(" ").map((word) => `'${word}'`);
  // Stand-ins for the completion system: each prints what it would offer.
  const program = `compdef() { :; }
compset() { :; }
_describe() { local name=\${@[-1]} item; local -a out; for item in "\${(@P)name}"; do out+=("\${item%%:*}"); done; print -r -- "describe: \${(j: :)out}"; }
compadd() { local -a out; if [[ $1 == -a ]]; then out=(\${(P)2}); else shift; out=("$@"); fi; print -r -- "compadd: \${(j: :)out}"; }
_files() { print -r -- files; }
_command_names() { print -r -- commands; }
source '${script}'
words=(${argv.join(" ")}); CURRENT=\${#words}
_unitsync`;
  const result = await shell(["zsh", "-f", "-c", program], {
    PATH: pathWithBinary(dir.path),
    UNITSYNC_SOCKET_PATH: socket,
  });
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

/** fish's candidates for `line`; with `raw`, as fish prints them (a description after a tab). */
async function fishComplete(
  line: string,
  socket = "/nonexistent/agent.sock",
  { raw = false }: { raw?: boolean } = {},
): Promise<string[]> {
  using dir = tempDir();
  const script = join(dir.path, "unitsync.fish");
  writeFileSync(script, scripts.fish as string);
  const program = `source '${script}'; complete -C '${line}'`;
  const result = await shell(["fish", "--no-config", "-c", program], {
    PATH: pathWithBinary(dir.path),
    UNITSYNC_SOCKET_PATH: socket,
  });
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map((candidate) => (raw ? candidate : (candidate.split("\t")[0] as string)))
    .sort();
}
