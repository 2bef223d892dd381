import { chmodSync, chownSync, lstatSync, mkdirSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { ExitCode, UnitsyncError } from "./errors.ts";

/** The sticky bit (as on /tmp): only a file's owner may remove or rename it. */
const STICKY = 0o1000;

/**
 * Why the socket's directory is unsafe to trust, or undefined when it is safe: it must be a real
 * directory (not a symbolic link) owned by `owners` (this user; the client also accepts root), and
 * not writable by others unless sticky. Whoever may write to the directory may replace the socket
 * with their own and answer our clients; the sticky bit forbids removing another user's file, which
 * is enough.
 */
export function socketDirProblem(stats: Stats, owners: readonly number[]): string | undefined {
  if (stats.isSymbolicLink()) return "it is a symbolic link";
  if (!stats.isDirectory()) return "it is not a directory";
  const uid = owners[0];
  if (uid !== undefined && !owners.includes(stats.uid))
    return `it is owned by uid ${stats.uid}, not by this user (uid ${uid})`;
  if ((stats.mode & 0o022) !== 0 && (stats.mode & STICKY) === 0) {
    return `it is writable by other users (mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")}); use a private directory (chmod 700)`;
  }
  return undefined;
}

/**
 * Makes sure the socket's directory exists (created 0700) and is safe to use: a real directory, not
 * a symbolic link, owned by this user, not writable by others unless sticky. Throws (exit 1) otherwise.
 * With `group` (agent --socket-group) the directory is made 0750 and given to that group, so its
 * members can reach the socket (0660) inside; a directory this user does not own is left alone.
 */
export function ensureSocketDir(socketPath: string, group?: number): void {
  const dir = dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  if (group !== undefined) shareDir(dir, group, uid);
  const problem = socketDirProblem(lstatSync(dir), uid === undefined ? [] : [uid]);
  if (problem) {
    throw new UnitsyncError(
      `refusing socket directory ${dir}: ${problem}`,
      ExitCode.refused,
      "unsafe_socket_dir",
    );
  }
}

// --- internal ---

function shareDir(dir: string, group: number, uid: number | undefined): void {
  const stats = lstatSync(dir);
  if (!stats.isDirectory() || stats.uid !== uid) return;
  try {
    chownSync(dir, stats.uid, group);
  } catch (error) {
    throw new UnitsyncError(
      `cannot give ${dir} to group ${group}: ${(error as { code?: string }).code === "EPERM" ? "this user is not a member of it" : (error as Error).message}`,
      ExitCode.refused,
      "socket_group",
    );
  }
  // Group may enter and list, nobody else; the setgid bit keeps files made inside in the group.
  chmodSync(dir, 0o2750);
}
