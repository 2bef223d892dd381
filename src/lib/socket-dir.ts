import { chmodSync, chownSync, lstatSync, mkdirSync, type Stats } from "node:fs";
import { ExitCode, UnitsyncError } from "./errors.ts";
import { socketDir } from "./socket-path.ts";

/**
 * The rules for trusting a socket's directory, shared by the agent (before it binds) and the client
 * (before it believes an answer): whoever may change the directory may replace the socket with their
 * own and answer the clients in the agent's name.
 */

/** The sticky bit (as on /tmp): only a file's owner may remove or rename it. */
const STICKY = 0o1000;

/**
 * Why the socket's directory is unsafe to trust, or undefined when it is safe: it must be a real
 * directory (not a symbolic link) owned by one of `owners` (this user first; the client also
 * accepts root), and not writable by others unless sticky, since the sticky bit forbids removing
 * another user's file, which is enough.
 */
export function socketDirProblem(stats: Stats, owners: readonly number[]): string | undefined {
  if (stats.isSymbolicLink()) return "it is a symbolic link";
  if (!stats.isDirectory()) return "it is not a directory";
  const problem = ownerProblem(stats, owners);
  if (problem) return problem;
  if ((stats.mode & 0o022) !== 0 && (stats.mode & STICKY) === 0) {
    return `it is writable by other users (mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")}); use a private directory (chmod 700)`;
  }
  return undefined;
}

/** Why a file owned as `stats` says is not to be trusted, or undefined when one of `owners` owns it. */
export function ownerProblem(stats: Stats, owners: readonly number[]): string | undefined {
  const [uid] = owners;
  if (uid === undefined || owners.includes(stats.uid)) return undefined;
  const others = owners.includes(0) && uid !== 0 ? " or root" : "";
  return `it is owned by uid ${stats.uid}, not by this user (uid ${uid})${others}`;
}

/**
 * Makes sure the socket's directory exists (created 0700) and is safe to use: a real directory, not
 * a symbolic link, owned by this user, not writable by others unless sticky. Throws (exit 1) otherwise.
 * With `group` (agent --socket-group) the directory is made 0750 and given to that group, so its
 * members can reach the socket (0660) inside; a directory this user does not own is left alone.
 */
export function ensureSocketDir(socketPath: string, group?: number): void {
  const dir = socketDir(socketPath);
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
