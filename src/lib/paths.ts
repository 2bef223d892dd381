/** Environment variable that overrides the socket path for every command. */
export const SOCKET_ENV = "UNITSYNC_SOCKET_PATH";

/** The default socket path of DESIGN.md: `$XDG_RUNTIME_DIR/unitsync.sock`, else `/tmp/unitsync-<uid>/agent.sock`. */
export function defaultSocketPath(env: Record<string, string | undefined> = process.env): string {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  // (No node:path here: this runs on every client call, and loading a module costs start-up time.)
  if (runtimeDir) return `${runtimeDir.replace(/\/+$/, "")}/unitsync.sock`;
  return `/tmp/unitsync-${process.getuid?.() ?? 0}/agent.sock`;
}

/** The socket path a command uses: the flag, else the environment, else the default. */
export function resolveSocketPath(flag: string | undefined): string {
  return flag || process.env[SOCKET_ENV] || defaultSocketPath();
}
