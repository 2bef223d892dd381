import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { type FileInfo, FileType, isType } from "../lib/file-info.ts";
import { lstatInfo, statInfo } from "../lib/lstat.ts";
import { MAX_SOCKET_PATH_BYTES, socketDir } from "../lib/socket-path.ts";
import { ownerProblem, socketDirProblem } from "../lib/socket-rules.ts";

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
export async function socketProblem(socketPath: string, shared = false): Promise<UnitsyncError | undefined> {
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
  const dirStats = await lstatInfo(dir);
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
  const stats = await lstatInfo(socketPath);
  if (!stats) return undefined;
  const fileProblem = ownerProblem(stats, owners);
  if (fileProblem) {
    return refuse(
      `refusing socket ${socketPath}: ${fileProblem}`,
      "untrusted_socket",
      "only the agent's owner (or root) may have created its socket",
    );
  }
  const kind = kindOf(isType(stats, FileType.symlink) ? ((await statInfo(socketPath)) ?? stats) : stats);
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
function sharedWithUs(stats: FileInfo): boolean {
  if (!isType(stats, FileType.directory) || (stats.mode & 0o022) !== 0) return false;
  const groups = process.getgroups?.() ?? [];
  return stats.gid === process.getgid?.() || groups.includes(stats.gid);
}

function refuse(message: string, code: string, hint: string): UnitsyncError {
  return new UnitsyncError(message, ExitCode.unreachable, code, hint);
}

function kindOf(stats: FileInfo): string {
  if (isType(stats, FileType.socket)) return "socket";
  if (isType(stats, FileType.file)) return "a regular file";
  if (isType(stats, FileType.directory)) return "a directory";
  if (isType(stats, FileType.fifo)) return "a FIFO (named pipe)";
  if (isType(stats, FileType.symlink)) return "a broken symbolic link";
  if (isType(stats, FileType.char) || isType(stats, FileType.block)) return "a device";
  return "something other than a socket";
}
