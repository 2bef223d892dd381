import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { ExitCode, UnitsyncError } from "../../lib/errors.ts";
import { socketDirProblem } from "../../lib/socket-rules.ts";

/**
 * Creates the scripts' log directory (0700) or checks the one given, by the socket directory's
 * rules: a real directory owned by this user, not writable by others unless sticky. Throws (exit 1)
 * otherwise: someone else who may write there could plant links where the logs go.
 */
export function prepareLogDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  const problem = socketDirProblem(lstatSync(dir), uid === undefined ? [] : [uid]);
  if (problem)
    throw new UnitsyncError(`refusing log directory ${dir}: ${problem}`, ExitCode.refused, "unsafe_log_dir");
}

/**
 * A unit's log file name. A name made only of letters, digits, `.`, `_` and `-` is used as it is
 * (`db.log`). Any other name is escaped to such characters, shortened, and given a short hash of
 * the whole name after a `~`, which plain names never contain (`web/api` logs to
 * `web_api~1f0c2d9e4b7a.log`): so no two units share a file, and no name makes it too long.
 */
export function logFileName(unit: string): string {
  let plain = unit.length > 0 && unit.length <= MAX_PLAIN;
  for (let i = 0; plain && i < unit.length; i++) plain = isPlain(unit[i] as string);
  if (plain) return `${unit}.log`;
  // Each UTF-16 unit that is not plain becomes one `_` (a character outside the BMP, two).
  let slug = "";
  for (let i = 0; i < Math.min(unit.length, MAX_SLUG); i++) {
    const char = unit[i] as string;
    slug += isPlain(char) ? char : "_";
  }
  const hash = new Bun.CryptoHasher("sha256").update(unit).digest("hex").slice(0, 12);
  return `${slug}~${hash}.log`;
}

/** A unit's log file in the log directory. */
export function logFileFor(logDir: string, unit: string): string {
  return join(logDir, logFileName(unit));
}

/**
 * One script's log file, opened without following a symbolic link or blocking on a FIFO, and only
 * if it is a regular file of ours with no other link to it; it is truncated after those checks,
 * never before. A write that fails (a full disk) is reported once through `warn` and the log is
 * closed: the output still reaches the agent's stderr, and the script is never held up.
 */
export class LogFile {
  #fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    readonly warn: (message: string) => void,
  ) {
    this.#fd = fd;
  }

  /** Opens the file, or says why not (through `warn`) and returns undefined. */
  static open(path: string, warn: (message: string) => void, what: string): LogFile | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(path, OPEN_FLAGS, 0o600);
      const stats = fstatSync(fd);
      const uid = process.getuid?.();
      if (!stats.isFile()) throw new Error("it is not a regular file");
      if (uid !== undefined && stats.uid !== uid) throw new Error(`it is owned by uid ${stats.uid}`);
      if (stats.nlink > 1) throw new Error("it has other hard links");
      ftruncateSync(fd, 0);
      return new LogFile(path, fd, warn);
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      const code = (error as { code?: string }).code;
      const why = code === "ELOOP" ? "it is a symbolic link" : (error as Error).message;
      warn(`cannot write ${path}: ${why}; ${what} is not kept`);
      return undefined;
    }
  }

  /** Appends a chunk; after a failure, does nothing. */
  write(chunk: Uint8Array): void {
    if (this.#fd === undefined) return;
    try {
      for (let offset = 0; offset < chunk.byteLength; )
        offset += writeSync(this.#fd, chunk, offset, chunk.byteLength - offset);
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).message;
      this.warn(`cannot write ${this.path} (${code}); the rest of its output is only on the agent's stderr`);
      this.close();
    }
  }

  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // A close that fails (ENOSPC on some file systems) loses nothing more than the write did.
    }
  }
}

// --- internal ---

/**
 * A letter, digit, `.`, `_` or `-`: what a plain log file name is made of. (A character test, not a
 * regular expression: the first one a one-shot agent runs costs it ~0.7 ms, docs/benchmarks.md.)
 */
function isPlain(char: string): boolean {
  return (
    (char >= "a" && char <= "z") ||
    (char >= "A" && char <= "Z") ||
    (char >= "0" && char <= "9") ||
    char === "." ||
    char === "_" ||
    char === "-"
  );
}
/** Unit names are at most 128 characters: a plain one fits any file system's 255-byte names. */
const MAX_PLAIN = 128;
const MAX_SLUG = 64;
const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
