import { lstatSync, type Stats, statSync } from "node:fs";
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { ownerProblem, socketDirProblem } from "../lib/socket-dir.ts";
import { MAX_SOCKET_PATH_BYTES, socketDir } from "../lib/socket-path.ts";

/**
 * What the client checks before it talks to a socket, so that nothing else can answer in the
 * agent's name: the agent's own rules for the directory (owned by this user or root, not a symbolic
 * link, not writable by others unless sticky), and a socket file owned by this user or root. A socket
 * cannot tell the client who is listening on it (Bun's fetch and Bun.connect expose no peer
 * credentials, SO_PEERCRED), so the file's owner stands in for the peer's uid: only its owner (or
 * root) could have bound it there. It also names what is at the path when it is not a socket at all.
 */

/**
 * Why the client must not use `socketPath`, as the error to exit 3 with; undefined when it may.
 * With `shared` (a path the user named, by --socket-path or UNITSYNC_SOCKET_PATH), an agent of
 * another user is trusted the way `agent --socket-group` shares one: a directory no group member or
 * other may write to, in one of this user's groups, with the socket of the same owner inside. The
 * default path is this user's alone, so there it is never trusted.
 */
export function socketProblem(socketPath: string, shared = false): UnitsyncError | undefined {
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    return refuse(
      `the socket path is ${bytes} bytes long; a unix socket path may have at most ${MAX_SOCKET_PATH_BYTES}: ${socketPath}`,
      "socket_path_too_long",
      "choose a shorter --socket-path (or a shorter $XDG_RUNTIME_DIR)",
    );
  }
  const uid = process.getuid?.();
  const owners = uid === undefined ? [] : [uid, 0];
  const dir = socketDir(socketPath);
  const dirStats = lstatOrUndefined(dir);
  // Nothing there yet (or not ours to look at): connecting says so in its own words.
  if (!dirStats) return undefined;
  if (shared && sharedWithUs(dirStats)) owners.push(dirStats.uid);
  const dirProblem = socketDirProblem(dirStats, owners);
  if (dirProblem) {
    return refuse(
      `refusing ${socketPath}: its directory ${dir} cannot be trusted: ${dirProblem}`,
      "untrusted_socket",
      "another user could answer in the agent's name there; use a directory only you or root can change",
    );
  }
  const stats = lstatOrUndefined(socketPath);
  if (!stats) return undefined;
  const fileProblem = ownerProblem(stats, owners);
  if (fileProblem) {
    return refuse(
      `refusing socket ${socketPath}: ${fileProblem}`,
      "untrusted_socket",
      "only the agent's owner (or root) may have created its socket",
    );
  }
  const kind = kindOf(stats.isSymbolicLink() ? (statOrUndefined(socketPath) ?? stats) : stats);
  if (kind !== "socket") {
    return refuse(
      `${socketPath} is ${kind}, not a socket`,
      "not_a_socket",
      "point --socket-path at the agent's socket (or remove what is there and start the agent)",
    );
  }
  return undefined;
}

// --- internal ---

/** Whether the directory is shared with this user through a group, as `agent --socket-group` makes it. */
function sharedWithUs(stats: Stats): boolean {
  if (!stats.isDirectory() || (stats.mode & 0o022) !== 0) return false;
  const groups = process.getgroups?.() ?? [];
  return stats.gid === process.getgid?.() || groups.includes(stats.gid);
}

function refuse(message: string, code: string, hint: string): UnitsyncError {
  return new UnitsyncError(message, ExitCode.unreachable, code, hint);
}

function kindOf(stats: Stats): string {
  if (stats.isSocket()) return "socket";
  if (stats.isFile()) return "a regular file";
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSymbolicLink()) return "a broken symbolic link";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  return "something other than a socket";
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
