/**
 * lstat(2) for the client's socket check, without node:fs: loading Bun's node:fs module costs a
 * client call about 1.7-2.5 ms (more than the request itself; docs/benchmarks.md), while one
 * statx(2) through bun:ffi costs about 0.8 ms. On Linux the syscall is made through libc's
 * syscall(3), whose statx buffer has the same layout on every architecture; anywhere else, and
 * whenever that path cannot answer (no such file, a kernel without statx, a seccomp filter, a libc
 * that will not load), node:fs answers instead, so the result never depends on which path ran.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import type { FileInfo } from "./file-info.ts";

/** The file at `path` itself (a symbolic link is not followed), or undefined when it cannot be looked at. */
export async function lstatInfo(path: string): Promise<FileInfo | undefined> {
  return statxInfo(path) ?? (await nodeStat(path, "lstat"));
}

/** The file `path` names, following a symbolic link; undefined when it cannot be looked at. */
export function statInfo(path: string): Promise<FileInfo | undefined> {
  return nodeStat(path, "stat");
}

/**
 * The open file `fd` (fstat), or undefined when it cannot be looked at (closed). What a client asks
 * to tell a terminal from a pipe or a file without building `process.stderr` (docs/benchmarks.md).
 */
export async function fdInfo(fd: number): Promise<FileInfo | undefined> {
  const info = statx(fd, "", AT_EMPTY_PATH);
  if (info) return info;
  try {
    const { mode, uid, gid } = await Bun.file(fd).stat();
    return { mode, uid, gid };
  } catch {
    return undefined;
  }
}

/** The statx(2) path alone: undefined where it cannot answer (lstatInfo then asks node:fs). Exported for its test. */
export function statxInfo(path: string): FileInfo | undefined {
  return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
}

// --- internal ---

/** statx(2) numbers: the syscall on each Linux architecture Bun runs on, and its flags. */
const SYS_STATX: Partial<Record<string, number>> = { x64: 332, arm64: 291 };
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
/** With an empty path, statx looks at `dirfd` itself, as fstat(2) does. */
const AT_EMPTY_PATH = 0x1000;
/** STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID: all the answer must hold. */
const WANTED = 0x1 | 0x2 | 0x8 | 0x10;
/** struct statx: stx_mask at 0, stx_uid at 20, stx_gid at 24, stx_mode at 28; 256 bytes in all. */
const STATX_SIZE = 256;

type Syscall = (...args: unknown[]) => number | bigint;
/** libc's syscall(3) once loaded, null where it cannot be (then node:fs answers every call). */
let syscall: Syscall | null | undefined;

function statx(dirfd: number, path: string, flags: number): FileInfo | undefined {
  const number = process.platform === "linux" ? SYS_STATX[process.arch] : undefined;
  if (number === undefined || path.includes("\0")) return undefined;
  syscall ??= loadSyscall();
  if (!syscall) return undefined;
  const buffer = new Uint8Array(STATX_SIZE);
  const name = Buffer.from(`${path}\0`);
  if (Number(syscall(number, dirfd, ptr(name), flags, WANTED, ptr(buffer))) !== 0) return undefined; // errno is not read: node:fs says what went wrong
  const view = new DataView(buffer.buffer);
  if ((view.getUint32(0, true) & WANTED) !== WANTED) return undefined;
  return { mode: view.getUint16(28, true), uid: view.getUint32(20, true), gid: view.getUint32(24, true) };
}

function loadSyscall(): Syscall | null {
  try {
    // "libc.so.6" is glibc's libc; musl's loader maps the name to itself, the libc already loaded.
    const { symbols } = dlopen("libc.so.6", {
      syscall: {
        args: [FFIType.i64, FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.u32, FFIType.ptr],
        returns: FFIType.i64,
      },
    });
    return symbols.syscall as Syscall;
  } catch {
    return null;
  }
}

async function nodeStat(path: string, how: "lstat" | "stat"): Promise<FileInfo | undefined> {
  const fs = await import("node:fs");
  try {
    const { mode, uid, gid } = how === "lstat" ? fs.lstatSync(path) : fs.statSync(path);
    return { mode, uid, gid };
  } catch {
    return undefined;
  }
}
