import { chmodSync, linkSync, lstatSync, mkdirSync, type Stats, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { API_PREFIX } from "../protocol/schemas.ts";

/** What answers at a socket path. */
export type Probe = "absent" | "stale" | "unitsync" | "foreign";

/**
 * Makes sure the socket's directory exists (created 0700) and is safe to use: a real directory, not
 * a symbolic link, owned by this user.
 */
export function ensureSocketDir(socketPath: string): void {
  const dir = dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stats = lstatSync(dir);
  const refuse = (why: string) =>
    new UnitsyncError(`refusing socket directory ${dir}: ${why}`, ExitCode.refused, "unsafe_socket_dir");
  if (stats.isSymbolicLink()) throw refuse("it is a symbolic link");
  if (!stats.isDirectory()) throw refuse("it is not a directory");
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid)
    throw refuse(`it is owned by uid ${stats.uid}, not by this user (uid ${uid})`);
  // Whoever may write to the directory may replace the socket with their own and answer our
  // clients; the sticky bit (as on /tmp) forbids removing another user's file, which is enough.
  const STICKY = 0o1000;
  if ((stats.mode & 0o022) !== 0 && (stats.mode & STICKY) === 0) {
    throw refuse(
      `it is writable by other users (mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")}); use a private directory (chmod 700)`,
    );
  }
}

/** Asks whatever is at `socketPath` whether it is a unitsync agent. */
export async function probeSocket(socketPath: string, timeoutMs = 2000): Promise<Probe> {
  try {
    const res = await fetch(`http://unitsync${API_PREFIX}/ping`, {
      unix: socketPath,
      proxy: false as unknown as string,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => undefined)) as { agent?: unknown } | undefined;
    return res.ok && body?.agent === "unitsync" ? "unitsync" : "foreign";
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "FailedToOpenSocket")
      return lstatOrUndefined(socketPath) ? "stale" : "absent";
    if (code === "ECONNREFUSED" || code === "ConnectionRefused") return "stale";
    // Something accepted the connection but did not answer like an agent (or not in time).
    return lstatOrUndefined(socketPath) ? "foreign" : "absent";
  }
}

/**
 * Binds a server at `socketPath` without ever replacing a live one: the server is bound at a private
 * temporary path first and then hard-linked into place, which fails atomically if the path exists.
 * A stale socket (nothing accepts on it) is removed and the link retried; a live one is an error.
 * Returns the server and a `release` that removes the socket file only if it is still ours.
 */
export async function claimSocket<T extends { stop(force?: boolean): unknown }>(
  socketPath: string,
  listen: (path: string) => T,
): Promise<{ server: T; release: () => void }> {
  ensureSocketDir(socketPath);
  const temporary = `${socketPath}.${process.pid}`;
  removeIfExists(temporary);
  const previousMask = process.umask(0o177);
  let server: T;
  try {
    server = listen(temporary);
  } finally {
    process.umask(previousMask);
  }
  chmodSync(temporary, 0o600);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temporary, socketPath);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== "EEXIST" || attempt >= 5) throw error;
      }
      const existing = lstatOrUndefined(socketPath);
      const probe = await probeSocket(socketPath);
      if (probe === "unitsync") {
        throw new UnitsyncError(
          `another agent is already serving ${socketPath}`,
          ExitCode.refused,
          "already_serving",
        );
      }
      if (probe === "foreign") {
        throw new UnitsyncError(
          `${socketPath} is in use by another program`,
          ExitCode.refused,
          "socket_in_use",
          "choose another path with --socket-path",
        );
      }
      if (existing && !existing.isSocket()) {
        throw new UnitsyncError(`${socketPath} exists and is not a socket; refusing to replace it`);
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
