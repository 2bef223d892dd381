/**
 * Release directories for the installer and example tests: what `npm run release` writes to dist/,
 * made small. The host's entry links to the real binary (dist/unitsync); other entries may be tiny
 * shell scripts standing in for a binary.
 */
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { hostTarget, writeChecksums } from "../build.ts";
import { BIN } from "./_helpers.ts";

/** The project's root directory. */
export const ROOT = resolve(import.meta.dir, "..");

/**
 * Whether this process may make mount namespaces (root with unshare(1)): the tests that put a musl
 * loader beside this system's glibc, as Debian's `musl` package does, need one.
 */
export const CAN_UNSHARE_MOUNTS =
  process.getuid?.() === 0 &&
  Bun.which("unshare") !== null &&
  Bun.spawnSync(["unshare", "--mount", "true"], { stderr: "ignore" }).exitCode === 0;

/**
 * `argv`, run in a private mount namespace where /lib holds a (dummy) musl loader for this
 * machine's architecture: the files a glibc system has once the `musl` package is installed. The
 * overlay is seen by that process tree only and goes with it.
 */
export function withMuslLoader(argv: string[]): { argv: string[]; [Symbol.dispose](): void } {
  const scratch = mkdtempSync("/tmp/us-musl-");
  const lib = realpathSync("/lib");
  mkdirSync(join(scratch, "upper"));
  mkdirSync(join(scratch, "work"));
  writeFileSync(
    join(scratch, "upper", `ld-musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`),
    "",
  );
  const mount = `mount -t overlay overlay -o lowerdir=${lib},upperdir=${scratch}/upper,workdir=${scratch}/work ${lib}`;
  return {
    argv: ["unshare", "--mount", "sh", "-c", `${mount} && exec "$@"`, "sh", ...argv],
    [Symbol.dispose]: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

/** The release target of this machine; the tests need one that install.sh supports. */
export function requireHostTarget(): string {
  const target = hostTarget();
  if (!target) throw new Error(`no release target for ${process.platform}-${process.arch}`);
  return target;
}

/** A fake binary: a shell script that prints `version` for `--version` (and exits `status`). */
export function fakeBinary(version: string, status = 0): string {
  return `#!/bin/sh\necho ${version}\nexit ${status}\n`;
}

/**
 * Writes a release into `dir`: `unitsync-<target>` for each entry (BIN, linked, when the value is
 * "real"; else the given script text), install.sh, and a SHA256SUMS that covers them.
 */
export async function makeRelease(dir: string, binaries: Record<string, string>): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (const [target, content] of Object.entries(binaries)) {
    const path = join(dir, `unitsync-${target}`);
    if (content === "real") symlinkSync(BIN, path);
    else {
      writeFileSync(path, content);
      chmodSync(path, 0o755);
    }
    names.push(`unitsync-${target}`);
  }
  symlinkSync(join(ROOT, "install.sh"), join(dir, "install.sh"));
  names.push("install.sh");
  await writeChecksums(dir, names);
  return dir;
}

/** Serves the files of `dir` over HTTP on the loopback interface (404 for anything else); each request's path is pushed to `requests`. */
export function serveDir(dir: string, requests: string[] = []): Bun.Server<undefined> {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      requests.push(new URL(request.url).pathname);
      const name = new URL(request.url).pathname.split("/").pop() ?? "";
      const file = Bun.file(join(dir, name));
      return name && (await file.exists())
        ? new Response(file)
        : new Response("not found\n", { status: 404 });
    },
  });
}
