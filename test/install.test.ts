/**
 * install.sh end to end, with POSIX sh (dash on Debian) against local release directories and a
 * loopback HTTP server: no network. Target detection is driven by stand-ins for uname and ldd.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { cleanEnv, tempDir } from "./_helpers.ts";
import {
  CAN_UNSHARE_MOUNTS,
  fakeBinary,
  makeRelease,
  ROOT,
  requireHostTarget,
  serveDir,
  withMuslLoader,
} from "./_release-fixture.ts";
import { missing } from "./_tools.ts";

const INSTALL_SH = join(ROOT, "install.sh");
const HOST = requireHostTarget();

interface Result {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs `sh install.sh args...` with a clean environment plus `env` (`wrap` may run it in a namespace). */
async function install(
  args: string[],
  env: Record<string, string> = {},
  wrap: (argv: string[]) => string[] = (argv) => argv,
): Promise<Result> {
  const proc = Bun.spawn(wrap(["sh", INSTALL_SH, ...args]), {
    env: cleanEnv(env),
    stdin: "ignore",
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

async function versionOf(binary: string): Promise<string> {
  const proc = Bun.spawn([binary, "--version"], { stdout: "pipe", stderr: "pipe" });
  const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return out.trim();
}

describe("install.sh", () => {
  test.skipIf(missing("shellcheck"))("passes shellcheck as a POSIX sh script", async () => {
    const proc = Bun.spawn(["shellcheck", "--shell=sh", INSTALL_SH], { stdout: "pipe", stderr: "pipe" });
    const [out, , code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ out, code }).toEqual({ out: "", code: 0 });
  });

  test("installs the real binary for this machine from a directory, then is a no-op the second time", async () => {
    using dir = tempDir();
    const release = await makeRelease(join(dir.path, "release"), { [HOST]: "real" });
    const prefix = join(dir.path, "prefix");
    const first = await install(["--from", release, "--prefix", prefix]);
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toContain(`installed unitsync ${pkg.version} (${HOST}) to ${prefix}/bin/unitsync`);
    expect(await versionOf(join(prefix, "bin/unitsync"))).toBe(pkg.version);

    const second = await install(["--from", release, "--prefix", prefix]);
    expect(second.exitCode).toBe(0);
    expect(second.stderr).toContain("is already installed");
    expect(readdirSync(join(prefix, "bin"))).toEqual(["unitsync"]);
    expect(await versionOf(join(prefix, "bin/unitsync"))).toBe(pkg.version);
  });

  test("replaces an older install, taking --from and --prefix from the environment", async () => {
    using dir = tempDir();
    const prefix = join(dir.path, "prefix");
    const older = await makeRelease(join(dir.path, "v1"), { [HOST]: fakeBinary("1.0.0") });
    const newer = await makeRelease(join(dir.path, "v2"), { [HOST]: fakeBinary("2.0.0") });
    expect((await install([], { UNITSYNC_FROM: older, UNITSYNC_PREFIX: prefix })).exitCode).toBe(0);
    expect(await versionOf(join(prefix, "bin/unitsync"))).toBe("1.0.0");
    const upgrade = await install([], { UNITSYNC_FROM: newer, UNITSYNC_PREFIX: prefix });
    expect(upgrade.exitCode).toBe(0);
    expect(upgrade.stderr).toContain(`installed unitsync 2.0.0 (${HOST})`);
    expect(await versionOf(join(prefix, "bin/unitsync"))).toBe("2.0.0");
    expect(readdirSync(join(prefix, "bin"))).toEqual(["unitsync"]);
  });

  test("two installs at once both succeed and leave one whole binary", async () => {
    using dir = tempDir();
    const release = await makeRelease(join(dir.path, "release"), { [HOST]: fakeBinary("3.0.0") });
    const prefix = join(dir.path, "prefix");
    const results = await Promise.all([1, 2, 3].map(() => install(["--from", release, "--prefix", prefix])));
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(readdirSync(join(prefix, "bin"))).toEqual(["unitsync"]);
    expect(await versionOf(join(prefix, "bin/unitsync"))).toBe("3.0.0");
  });

  test("downloads from an http:// URL", async () => {
    using dir = tempDir();
    const release = await makeRelease(join(dir.path, "release"), { [HOST]: fakeBinary("4.0.0") });
    using server = serveDir(release);
    const prefix = join(dir.path, "prefix");
    const result = await install([
      "--from",
      `http://127.0.0.1:${server.port}/unitsync/v4`,
      "--prefix",
      prefix,
    ]);
    expect(result.exitCode).toBe(0);
    expect(await versionOf(join(prefix, "bin/unitsync"))).toBe("4.0.0");
  });

  test("a second run reads SHA256SUMS only, and downloads no binary, when the installed one matches", async () => {
    using dir = tempDir();
    const release = await makeRelease(join(dir.path, "release"), { [HOST]: fakeBinary("4.1.0") });
    const requests: string[] = [];
    using server = serveDir(release, requests);
    const args = ["--from", `http://127.0.0.1:${server.port}/v4`, "--prefix", join(dir.path, "prefix")];
    expect((await install(args)).exitCode).toBe(0);
    expect(requests).toEqual(["/v4/SHA256SUMS", `/v4/unitsync-${HOST}`]);
    requests.length = 0;
    const again = await install(args);
    expect(again).toMatchObject({
      exitCode: 0,
      stderr: expect.stringContaining(`4.1.0 (${HOST}) is already installed`),
    });
    expect(requests).toEqual(["/v4/SHA256SUMS"]);
  });

  test("a URL without the binary is an error naming what could not be downloaded", async () => {
    using dir = tempDir();
    const release = await makeRelease(join(dir.path, "release"), { [HOST]: fakeBinary("4.0.0") });
    rmSync(join(release, `unitsync-${HOST}`)); // listed in SHA256SUMS, missing on the server
    using server = serveDir(release);
    const url = `http://127.0.0.1:${server.port}/r`;
    const result = await install(["--from", url, "--prefix", join(dir.path, "prefix")]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`install.sh: error: could not download ${url}/unitsync-${HOST}`);
    expect(existsSync(join(dir.path, "prefix"))).toBe(false);
  });

  test("a checksum mismatch installs nothing and keeps the installed binary", async () => {
    using dir = tempDir();
    const prefix = join(dir.path, "prefix");
    const good = await makeRelease(join(dir.path, "good"), { [HOST]: fakeBinary("1.0.0") });
    expect((await install(["--from", good, "--prefix", prefix])).exitCode).toBe(0);

    const tampered = await makeRelease(join(dir.path, "tampered"), { [HOST]: fakeBinary("6.6.6") });
    writeFileSync(join(tampered, `unitsync-${HOST}`), fakeBinary("6.6.7"));
    const result = await install(["--from", tampered, "--prefix", prefix]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `error: checksum mismatch for unitsync-${HOST}: SHA256SUMS says [0-9a-f]{64}, the file has [0-9a-f]{64}; nothing was installed`,
      ),
    );
    expect(await versionOf(join(prefix, "bin/unitsync"))).toBe("1.0.0");
  });

  test("a SHA256SUMS without the binary's line, or a directory without the binary, is refused", async () => {
    using dir = tempDir();
    const release = await makeRelease(join(dir.path, "release"), { [HOST]: fakeBinary("1.0.0") });
    const sums = join(release, "SHA256SUMS");
    writeFileSync(sums, readFileSync(sums, "utf8").replace(`unitsync-${HOST}\n`, "unitsync-other\n"));
    const noLine = await install(["--from", release, "--prefix", join(dir.path, "prefix")]);
    expect(noLine.exitCode).toBe(1);
    expect(noLine.stderr).toContain(`SHA256SUMS from ${release} has no line for unitsync-${HOST}`);

    const listed = await makeRelease(join(dir.path, "listed"), { [HOST]: fakeBinary("1.0.0") });
    rmSync(join(listed, `unitsync-${HOST}`));
    const noBinary = await install(["--from", listed, "--prefix", join(dir.path, "prefix")]);
    expect(noBinary.exitCode).toBe(1);
    expect(noBinary.stderr).toContain(`${listed} has no unitsync-${HOST}`);

    const empty = join(dir.path, "empty");
    mkdirSync(empty);
    const noSums = await install(["--from", empty, "--prefix", join(dir.path, "prefix")]);
    expect(noSums.exitCode).toBe(1);
    expect(noSums.stderr).toContain(`${empty} has no SHA256SUMS`);
    expect(existsSync(join(dir.path, "prefix"))).toBe(false);
  });

  test("a binary that does not run here is not installed", async () => {
    using dir = tempDir();
    const release = await makeRelease(join(dir.path, "release"), { [HOST]: fakeBinary("1.0.0", 127) });
    const result = await install(["--from", release, "--prefix", join(dir.path, "prefix")]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`error: unitsync-${HOST} does not run on this machine`);
    expect(existsSync(join(dir.path, "prefix/bin/unitsync"))).toBe(false);
  });

  test("--target installs another machine's binary without running it", async () => {
    using dir = tempDir();
    const other = HOST === "linux-arm64" ? "linux-x64" : "linux-arm64";
    // Exit 127 if run: the installer must not run a binary meant for another machine.
    const release = await makeRelease(join(dir.path, "release"), { [other]: fakeBinary("1.0.0", 127) });
    const prefix = join(dir.path, "prefix");
    const result = await install(["--from", release, "--prefix", prefix, "--target", other]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`installed unitsync (${other}) to ${prefix}/bin/unitsync`);
    // Not on PATH: an image being filled, nothing to warn about.
    expect(result.stderr).not.toContain("warning");
    expect(readFileSync(join(prefix, "bin/unitsync"), "utf8")).toBe(fakeBinary("1.0.0", 127));
  });

  test("warns before putting another machine's binary on PATH", async () => {
    using dir = tempDir();
    const other = HOST === "linux-arm64" ? "linux-x64" : "linux-arm64";
    const release = await makeRelease(join(dir.path, "release"), { [other]: fakeBinary("1.0.0", 127) });
    const prefix = join(dir.path, "prefix");
    const result = await install(["--from", release, "--prefix", prefix, "--target", other], {
      PATH: `${prefix}/bin:${process.env.PATH}`,
    });
    expect(result.exitCode).toBe(0);
    const lines = result.stderr.split("\n");
    const warning = `install.sh: warning: unitsync-${other} is for another machine (this one is ${HOST}): ${prefix}/bin/unitsync, on PATH here, will not run on this machine`;
    expect(lines).toContain(warning);
    expect(lines.indexOf(warning)).toBeLessThan(
      lines.findIndex((line) => line.includes("installed unitsync")),
    );
  });

  test('a prefix it cannot write to says "not writable", and suggests root only to others', async () => {
    using dir = tempDir();
    const release = await makeRelease(join(dir.path, "release"), { [HOST]: fakeBinary("1.0.0") });
    // A prefix under a regular file: no one, not even root, can create its bin directory.
    writeFileSync(join(dir.path, "file"), "");
    const prefix = join(dir.path, "file/prefix");
    const asRoot = await install(["--from", release, "--prefix", prefix], fakeId(dir.path, 0));
    expect(asRoot.exitCode).toBe(1);
    expect(asRoot.stderr).toMatch(
      new RegExp(`error: cannot write to ${prefix}/bin: not writable \\(.*Not a directory\\)\n$`),
    );
    expect(asRoot.stderr).not.toContain("run as root");
    const asUser = await install(["--from", release, "--prefix", prefix], fakeId(dir.path, 1000));
    expect(asUser.exitCode).toBe(1);
    expect(asUser.stderr).toContain(`cannot write to ${prefix}/bin: not writable by dev (`);
    expect(asUser.stderr).toContain("run as root, or choose another --prefix such as $HOME/.local");
  });

  test("usage errors exit 2 with a clear message", async () => {
    expect(await install(["--prefix", "/tmp/x"])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining("say where the release is: --from URL|DIR (or UNITSYNC_FROM)"),
    });
    expect(await install(["--frm", "x"])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining("unknown argument: --frm"),
    });
    expect(await install(["--from", "x", "--target", "windows-x64"])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('unknown target "windows-x64"'),
    });
    expect(await install(["--from"])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining("--from needs a value"),
    });
    for (const empty of [["--target", ""], ["--target="]]) {
      expect(await install(["--from", "x", ...empty])).toMatchObject({
        exitCode: 2,
        stderr: expect.stringContaining("error: --target is empty; choose from: linux-x64 "),
      });
    }
    expect(await install(["--from", "/nonexistent/release"])).toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining(
        "--from /nonexistent/release: not a directory, nor an http(s):// or file:// URL",
      ),
    });
  });

  describe("picks the target from uname and the C library", () => {
    const glibc = "ldd (Debian GLIBC 2.36-9+deb12u9) 2.36";
    const musl = "musl libc (x86_64)\nVersion 1.2.5";
    const cases: [os: string, arch: string, ldd: string, arm64: string, expected: string][] = [
      ["Linux", "x86_64", glibc, "", "linux-x64"],
      ["Linux", "aarch64", glibc, "", "linux-arm64"],
      ["Linux", "x86_64", "ldd (GNU libc) 2.39", "", "linux-x64"], // Fedora's wording
      ["Linux", "x86_64", musl, "", "linux-x64-musl"],
      ["Linux", "arm64", musl, "", "linux-arm64-musl"],
      ["Darwin", "arm64", "", "1", "darwin-arm64"],
      ["Darwin", "x86_64", "", "0", "darwin-x64"],
      ["Darwin", "x86_64", "", "1", "darwin-arm64"], // a shell under Rosetta on Apple silicon
    ];
    test.each(cases)(
      "uname %s %s, ldd %p, hw.optional.arm64 %p: %s",
      async (os, arch, ldd, arm64, expected) => {
        using dir = tempDir();
        const env = fakeMachine(dir.path, os, arch, ldd, arm64);
        expect(await install(["--print-target"], env)).toEqual({
          stdout: `${expected}\n`,
          stderr: "",
          exitCode: 0,
        });
      },
    );

    test.skipIf(!CAN_UNSHARE_MOUNTS)(
      "a glibc system with Debian's musl package (a musl loader in /lib) is still glibc",
      async () => {
        using dir = tempDir();
        using ns = withMuslLoader([]);
        const wrap = (argv: string[]) => [...ns.argv, ...argv];
        // The real ldd of this glibc machine answers; the loader must not outvote it.
        expect(await install(["--print-target"], {}, wrap)).toEqual({
          stdout: `${HOST}\n`,
          stderr: "",
          exitCode: 0,
        });
        // No ldd at all: the interpreter of this machine's own /bin/sh decides.
        const noLdd = fakeMachine(dir.path, "Linux", process.arch === "arm64" ? "aarch64" : "x86_64", "", "");
        writeFileSync(join(dir.path, "fake-bin/ldd"), "#!/bin/sh\necho 'ldd: not found' >&2\nexit 127\n");
        expect(await install(["--print-target"], noLdd, wrap)).toEqual({
          stdout: `${HOST}\n`,
          stderr: "",
          exitCode: 0,
        });
      },
    );

    test("without ldd, the musl loader /bin/sh names decides, for this architecture only", async () => {
      using dir = tempDir();
      // This machine's /bin/sh is glibc's (the musl case runs on Alpine: ldd answers there first).
      const env = fakeMachine(dir.path, "Linux", "aarch64", "", "");
      writeFileSync(join(dir.path, "fake-bin/ldd"), "#!/bin/sh\nexit 127\n");
      expect(await install(["--print-target"], env)).toEqual({
        stdout: "linux-arm64\n",
        stderr: "",
        exitCode: 0,
      });
    });

    test("an unsupported system or architecture is named in the error", async () => {
      using dir = tempDir();
      expect(
        await install(["--print-target"], fakeMachine(dir.path, "FreeBSD", "amd64", "", "")),
      ).toMatchObject({
        exitCode: 1,
        stderr: expect.stringContaining("unsupported operating system: FreeBSD"),
      });
      expect(
        await install(["--print-target"], fakeMachine(dir.path, "Linux", "riscv64", glibc, "")),
      ).toMatchObject({
        exitCode: 1,
        stderr: expect.stringContaining("unsupported architecture: riscv64"),
      });
    });
  });
});

// --- internal ---

/** PATH with an `id` that says the user is `uid` (named "dev" unless root). */
function fakeId(dir: string, uid: number): Record<string, string> {
  const bin = join(dir, "fake-id");
  mkdirSync(bin, { recursive: true });
  const name = uid === 0 ? "root" : "dev";
  writeFileSync(
    join(bin, "id"),
    `#!/bin/sh\ncase "$1" in -u) echo ${uid} ;; -un) echo ${name} ;; *) exit 1 ;; esac\n`,
  );
  chmodSync(join(bin, "id"), 0o755);
  return { PATH: `${bin}:${process.env.PATH}` };
}

/** PATH with stand-ins for uname, ldd and sysctl that describe another machine. */
function fakeMachine(
  dir: string,
  os: string,
  arch: string,
  ldd: string,
  arm64: string,
): Record<string, string> {
  const bin = join(dir, "fake-bin");
  mkdirSync(bin, { recursive: true });
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script("uname", `case "$1" in -s) echo '${os}' ;; -m) echo '${arch}' ;; *) exit 1 ;; esac`);
  // glibc's ldd prints its version on stdout and exits 0; musl's prints on stderr and exits 1.
  script("ldd", ldd.includes("musl") ? `printf '%s\\n' '${ldd}' >&2; exit 1` : `printf '%s\\n' '${ldd}'`);
  script("sysctl", `echo '${arm64}'`);
  return { PATH: `${bin}:${process.env.PATH}` };
}
