import { lstatSync } from "node:fs";
import { unixFetch } from "../lib/unix-http.ts";
import { API_PREFIX } from "./wire.ts";

/**
 * The protocol's handshake: what answers at a socket path. The agent asks before it replaces a
 * socket file, the client before it starts an agent or to tell a stopped agent from a dropped stream.
 */

/** What answers at a socket path: nothing there, a file nobody accepts on, a unitsync agent, or something else. */
export type Probe = "absent" | "stale" | "unitsync" | "foreign";

/** Asks whatever is at `socketPath` whether it is a unitsync agent; with its pid when it is one. */
export async function probeAgent(
  socketPath: string,
  timeoutMs = 2000,
): Promise<{ probe: Probe; pid?: number }> {
  try {
    const res = await unixFetch(socketPath, `http://unitsync${API_PREFIX}/ping`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => undefined)) as { agent?: unknown; pid?: unknown } | undefined;
    if (!res.ok || body?.agent !== "unitsync") return { probe: "foreign" };
    return { probe: "unitsync", ...(typeof body.pid === "number" && { pid: body.pid }) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const exists = lstatOrUndefined(socketPath) !== undefined;
    if (code === "ENOENT" || code === "FailedToOpenSocket") return { probe: exists ? "stale" : "absent" };
    if (code === "ECONNREFUSED" || code === "ConnectionRefused") return { probe: "stale" };
    // Something accepted the connection but did not answer like an agent (or not in time).
    return { probe: exists ? "foreign" : "absent" };
  }
}

/** Asks whatever is at `socketPath` whether it is a unitsync agent. */
export async function probeSocket(socketPath: string, timeoutMs = 2000): Promise<Probe> {
  return (await probeAgent(socketPath, timeoutMs)).probe;
}

// --- internal ---

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
