/**
 * A clean Debian root filesystem to run installers in as root, the closest this machine comes to
 * a fresh container: `debootstrap --variant=minbase bookworm` (no curl, no wget), built once and
 * cached under the temp dir, then used through an overlay in a private mount and PID namespace, so
 * every test starts from the same clean tree and leaves no process behind.
 *
 * Building the cache takes about 90 s and needs the Debian mirror, so it happens only when
 * UNITSYNC_ROOTFS_TEST=1 (CI sets it); otherwise the tests run when the cache exists and skip,
 * with one line saying how, when it does not.
 */
import { test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REQUIRE_TOOLS } from "./_tools.ts";

/** Where the root filesystem is cached between runs. */
export const ROOTFS_CACHE = join(tmpdir(), "unitsync-rootfs", "bookworm-minbase");

/** Whether a test run may build the cache (slow, needs the Debian mirror). */
const MAY_BUILD = process.env.UNITSYNC_ROOTFS_TEST === "1";

/**
 * True when the root-filesystem tests cannot run here, for `test.skipIf`: they need root, unshare,
 * chroot and either the cache or UNITSYNC_ROOTFS_TEST=1 with debootstrap; with `network`, a test
 * that downloads Debian packages (tens of seconds) runs only with UNITSYNC_ROOTFS_TEST=1. Says why
 * once; under UNITSYNC_REQUIRE_TOOLS=1 with UNITSYNC_ROOTFS_TEST=1 a missing piece is a failing
 * test instead.
 */
export function rootfsMissing(options: { network?: boolean } = {}): boolean {
  if (options.network && !MAY_BUILD) {
    if (!reportedNetwork) {
      reportedNetwork = true;
      console.error(
        "skip: the root filesystem tests that download from the Debian mirror (about 50 s) run with UNITSYNC_ROOTFS_TEST=1",
      );
    }
    return true;
  }
  const why =
    process.getuid?.() !== 0
      ? "they need root (a chroot and mount namespaces)"
      : !Bun.which("unshare") || !Bun.which("chroot")
        ? "they need unshare and chroot (apt-get install util-linux coreutils)"
        : existsSync(join(ROOTFS_CACHE, "etc/debian_version"))
          ? undefined
          : !MAY_BUILD
            ? `no Debian root filesystem is cached at ${ROOTFS_CACHE}; set UNITSYNC_ROOTFS_TEST=1 to build it with debootstrap (about 90 s, once)`
            : !Bun.which("debootstrap")
              ? "building the Debian root filesystem needs debootstrap (apt-get install debootstrap)"
              : undefined;
  if (!why) return false;
  if (!reported) {
    reported = true;
    if (REQUIRE_TOOLS && MAY_BUILD)
      test("the Debian root filesystem tests can run (UNITSYNC_ROOTFS_TEST=1)", () => {
        throw new Error(`the root filesystem tests cannot run: ${why}`);
      });
    else console.error(`skip: the Debian root filesystem tests are skipped: ${why}`);
  }
  return true;
}

/** The cached root filesystem, built first when it is missing (into a temp dir, renamed when complete). */
export async function ensureRootfs(): Promise<string> {
  if (existsSync(join(ROOTFS_CACHE, "etc/debian_version"))) return ROOTFS_CACHE;
  mkdirSync(join(ROOTFS_CACHE, ".."), { recursive: true });
  const building = mkdtempSync(`${ROOTFS_CACHE}.building-`);
  try {
    const mirror = debianMirror();
    const proc = Bun.spawn(["debootstrap", "--variant=minbase", "bookworm", building, mirror], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (code !== 0)
      throw new Error(`debootstrap from ${mirror} failed (exit ${code}):\n${out.slice(-2000)}${err}`);
    renameSync(building, ROOTFS_CACHE);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return ROOTFS_CACHE;
}

/** A container-like root: the cached tree under a private writable layer, kept across `run` calls. */
export interface Container {
  /** The writable layer: files put here (e.g. `upper/tmp/x`) appear at `/tmp/x` inside. */
  upper: string;
  /** Runs `argv` as root inside, with a clean environment plus `env`; every process it started is killed when it exits. */
  run(
    argv: string[],
    env?: Record<string, string>,
  ): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  [Symbol.dispose](): void;
}

/** A fresh container over the cached root filesystem. */
export async function container(): Promise<Container> {
  const lower = await ensureRootfs();
  const scratch = mkdtempSync(join(tmpdir(), "us-root-"));
  const upper = join(scratch, "upper");
  for (const dir of [upper, join(scratch, "work"), join(scratch, "merged")]) mkdirSync(dir);
  // A directory made in the upper layer replaces the lower one's mode: /tmp must stay 1777.
  mkdirSync(join(upper, "tmp"));
  chmodSync(join(upper, "tmp"), 0o1777);
  // Inside a new mount and PID namespace: the overlay, /dev, a /proc of its own, DNS, then chroot.
  const setup = [
    `mount -t overlay overlay -o lowerdir=${lower},upperdir=${upper},workdir=${scratch}/work ${scratch}/merged`,
    `mount --rbind /dev ${scratch}/merged/dev`,
    `mount -t proc proc ${scratch}/merged/proc`,
    `cp /etc/resolv.conf ${scratch}/merged/etc/resolv.conf`,
    `exec chroot ${scratch}/merged "$@"`,
  ].join(" && ");
  return {
    upper,
    async run(argv, env = {}) {
      const proc = Bun.spawn(
        ["unshare", "--mount", "--pid", "--fork", "--kill-child", "sh", "-c", setup, "sh", ...argv],
        {
          env: {
            PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            HOME: "/root",
            LANG: "C.UTF-8",
            ...env,
          },
          stdin: "ignore",
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      const [stdout, stderr, exitCode] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      return { stdout, stderr, exitCode };
    },
    [Symbol.dispose]: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

// --- internal ---

let reported = false;
let reportedNetwork = false;

/** The Debian mirror this machine's apt uses (deb822 or one-line sources), else deb.debian.org. */
function debianMirror(): string {
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    try {
      const text = readFileSync(file, "utf8");
      const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m.exec(text)?.[1];
      if (uri) return uri;
    } catch {}
  }
  return "http://deb.debian.org/debian";
}
