import { chmodSync, chownSync, lstatSync, mkdirSync } from "node:fs";
import { ExitCode, UnitsyncError } from "./errors.ts";
import { socketDir } from "./socket-path.ts";
import { socketDirProblem } from "./socket-rules.ts";

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
