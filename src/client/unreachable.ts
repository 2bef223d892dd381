import { ExitCode, UnitsyncError } from "../lib/errors.ts";

/**
 * What the client says when it cannot talk to the agent at all: one line in our words, naming the
 * socket path, never the runtime's own text (Bun's "Was there a typo in the url or port?").
 */

/** The error for a socket nobody answers on, naming the path and how to start an agent there. */
export function unreachable(socketPath: string, cause: unknown): UnitsyncError {
  return unreachableBecause(socketPath, reasonFor(codeOf(cause)));
}

/**
 * The error for a request that could not be sent or answered. A connection closed before any
 * answer is told apart from a socket that answers something other than HTTP, by asking it again
 * below HTTP (on this error path only).
 */
export async function connectFailure(socketPath: string, cause: unknown): Promise<UnitsyncError> {
  const code = codeOf(cause);
  if ((code === "ECONNRESET" || code === "ConnectionClosed") && (await answersNonHttp(socketPath))) {
    return new UnitsyncError(
      `${socketPath} answered something that is not HTTP: it is not a unitsync agent`,
      ExitCode.unreachable,
      "protocol",
      "point --socket-path at the agent's socket",
    );
  }
  return unreachable(socketPath, cause);
}

// --- internal ---

function unreachableBecause(socketPath: string, why: string): UnitsyncError {
  return new UnitsyncError(
    `cannot reach the unitsync agent at ${socketPath}: ${why}`,
    ExitCode.unreachable,
    "unreachable",
    `start one with: unitsync agent --socket-path ${socketPath}`,
  );
}

function codeOf(cause: unknown): string {
  return String((cause as { code?: unknown } | undefined)?.code ?? "");
}

function reasonFor(code: string): string {
  switch (code) {
    case "ENOENT":
    case "FailedToOpenSocket":
      return "no socket there";
    case "ECONNREFUSED":
    case "ConnectionRefused":
      return "connection refused (the agent has stopped; the socket is stale)";
    case "ECONNRESET":
    case "ConnectionClosed":
      return "the connection was closed before the agent answered (did it stop?)";
    case "EACCES":
    case "EPERM":
      return "permission denied (the socket belongs to another user)";
    case "ENAMETOOLONG":
      return "the path is too long for a unix socket";
    case "ENOTSOCK":
      return "it is not a socket";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    default:
      return `the connection failed (${code || "unknown error"})`;
  }
}

/** Whether the socket, asked for /v1/ping below HTTP, answers bytes that are not an HTTP response. */
async function answersNonHttp(socketPath: string): Promise<boolean> {
  const { promise, resolve } = Promise.withResolvers<string>();
  let received = "";
  const timer = setTimeout(() => resolve(received), 500); // a bound on the diagnosis, not a sleep
  try {
    await Bun.connect({
      unix: socketPath,
      socket: {
        open(socket) {
          socket.write("GET /v1/ping HTTP/1.1\r\nhost: unitsync\r\nconnection: close\r\n\r\n");
        },
        data(socket, data) {
          received += new TextDecoder().decode(data);
          if (received.length >= 5) {
            resolve(received);
            socket.end();
          }
        },
        close: () => resolve(received),
        error: () => resolve(received),
      },
    });
  } catch {
    resolve("");
  }
  const answer = await promise;
  clearTimeout(timer);
  return answer.length > 0 && !answer.startsWith("HTTP/");
}
