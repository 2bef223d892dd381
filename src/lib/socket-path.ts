/**
 * Where the agent's socket is and what lives beside it: the rules the client and the agent share.
 * Plain string work only (no node:path, no file system): it runs on every client call, and loading
 * a module costs start-up time. The rules for the socket's directory are in socket-rules.ts.
 */

/** Environment variable that overrides the socket path for every command. */
export const SOCKET_ENV = "UNITSYNC_SOCKET_PATH";

/** The default socket path of DESIGN.md: `$XDG_RUNTIME_DIR/unitsync.sock`, else `/tmp/unitsync-<uid>/agent.sock`. */
export function defaultSocketPath(env: Record<string, string | undefined> = process.env): string {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir) return `${trimSlashes(runtimeDir)}/unitsync.sock`;
  return `/tmp/unitsync-${process.getuid?.() ?? 0}/agent.sock`;
}

/** `dir` without its trailing slashes (a string loop: a regular expression costs a call ~0.06 ms to compile). */
function trimSlashes(dir: string): string {
  let end = dir.length;
  while (end > 0 && dir[end - 1] === "/") end--;
  return dir.slice(0, end);
}

/** The socket path a command uses: the flag, else the environment, else the default. */
export function resolveSocketPath(flag: string | undefined): string {
  return flag || process.env[SOCKET_ENV] || defaultSocketPath();
}

/** The directory that holds the socket, as node:path's dirname says it (`.` for a bare file name). */
export function socketDir(socketPath: string): string {
  let end = socketPath.lastIndexOf("/");
  if (end === -1) return ".";
  while (end > 0 && socketPath[end - 1] === "/") end--;
  return end === 0 ? "/" : socketPath.slice(0, end);
}

/**
 * The longest socket path the kernel takes, in bytes: `sun_path` holds 108 bytes on Linux (104 on
 * macOS and the BSDs), one of them the terminating NUL.
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === "linux" ? 107 : 103;

/** The socket's file name without a `.sock` extension (`agent.sock` gives `agent`). */
export function socketBaseName(socketPath: string): string {
  const name = socketPath.slice(socketPath.lastIndexOf("/") + 1);
  return name.endsWith(".sock") && name.length > ".sock".length ? name.slice(0, -".sock".length) : name;
}

/**
 * A path beside the socket, named after it: `besideSocket("/run/agent.sock", ".log")` is
 * `/run/agent.log`. Two agents in one directory so never share a log, and `$XDG_RUNTIME_DIR` gets no
 * generic `logs` entry.
 */
export function besideSocket(socketPath: string, suffix: string): string {
  const slash = socketPath.lastIndexOf("/");
  return `${socketPath.slice(0, slash + 1)}${socketBaseName(socketPath)}${suffix}`;
}
