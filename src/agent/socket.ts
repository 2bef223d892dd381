import { chmodSync, chownSync, linkSync, lstatSync, type Stats, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { ensureSocketDir } from "../lib/socket-dir.ts";
import { probeSocket } from "../protocol/agent-probe.ts";

/**
 * Binds a server at `socketPath` without ever replacing a live one: the server is bound at a private
 * temporary name in the same directory first and then hard-linked into place, which fails
 * atomically if the path exists. A stale socket (nothing accepts on it) is removed and the link
 * retried; a live one is an error. Returns the server and a `release` that removes the socket file
 * only if it is still ours.
 */
export async function claimSocket<T extends { stop(force?: boolean): unknown }>(
  socketPath: string,
  listen: (path: string) => T,
  /** agent --socket-group: the socket is 0660 and belongs to this group (its directory 0750). */
  group?: number,
): Promise<{ server: T; release: () => void }> {
  ensureSocketDir(socketPath, group);
  const dir = dirname(socketPath);
  // A short name, bound relative to its directory: `<path>.<pid>` does not fit `sun_path` for the
  // longest legal paths (Bun reaches past 108 bytes through /proc/self/fd/N/<name> on Linux, but
  // only while the name itself fits, and not on macOS or without /proc).
  const name = `.${process.pid.toString(36)}.tmp`;
  const temporary = join(dir, name);
  removeIfExists(temporary);
  const previousMask = process.umask(0o177);
  const previousDir = currentDir();
  let server: T;
  try {
    // Synchronous from here to the chdir back: no other code runs in the other directory. (From
    // a working directory that no longer exists there is no way back: bind the full path then.)
    if (previousDir !== undefined) process.chdir(dir);
    server = listen(previousDir === undefined ? temporary : name);
  } catch (error) {
    removeIfExists(temporary);
    throw new UnitsyncError(
      `cannot listen on ${socketPath}: ${(error as Error).message}`,
      ExitCode.cannotServe,
      "cannot_listen",
    );
  } finally {
    if (previousDir !== undefined) process.chdir(previousDir);
    process.umask(previousMask);
  }
  // Mode and group are set before the socket is linked into place: it never appears wider open.
  chmodSync(temporary, group === undefined ? 0o600 : 0o660);
  if (group !== undefined) chownSync(temporary, process.getuid?.() ?? -1, group);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temporary, socketPath);
        break;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== "EEXIST" || attempt >= 5) {
          // Named by the user's path: the temporary name is an implementation detail.
          throw new UnitsyncError(
            `cannot create the socket ${socketPath}: ${code ?? (error as Error).message}`,
            ExitCode.cannotServe,
            "cannot_listen",
          );
        }
      }
      const existing = lstatOrUndefined(socketPath);
      const probe = await probeSocket(socketPath);
      if (probe === "unitsync") {
        throw new UnitsyncError(
          `another agent is already serving ${socketPath}`,
          ExitCode.cannotServe,
          "already_serving",
        );
      }
      if (probe === "foreign") {
        throw new UnitsyncError(
          `${socketPath} is in use by another program`,
          ExitCode.cannotServe,
          "socket_in_use",
          "choose another path with --socket-path",
        );
      }
      if (existing && !existing.isSocket()) {
        throw new UnitsyncError(
          `${socketPath} exists and is not a socket; refusing to replace it`,
          ExitCode.cannotServe,
          "socket_in_use",
        );
      }
      // Stale: remove it, but only the very file we probed (another agent may have just linked its own).
      if (existing && sameFile(existing, lstatOrUndefined(socketPath))) removeIfExists(socketPath);
    }
  } catch (error) {
    server.stop(true);
    removeIfExists(temporary);
    throw error;
  }
  const ours = lstatSync(socketPath);
  removeIfExists(temporary);
  return {
    server,
    release: () => {
      if (sameFile(ours, lstatOrUndefined(socketPath))) removeIfExists(socketPath);
    },
  };
}

// --- internal ---

function currentDir(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function sameFile(a: Stats, b: Stats | undefined): boolean {
  return b !== undefined && a.ino === b.ino && a.dev === b.dev;
}

function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
}
