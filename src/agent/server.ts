import { API_PREFIX, MAX_BODY_BYTES } from "../protocol/wire.ts";
import { DescriptorGuard } from "./descriptors.ts";
import type { AgentLog } from "./log.ts";
import { createHandler } from "./routes.ts";
import { claimSocket } from "./socket.ts";
import { createUnits, type Units } from "./units.ts";

export interface AgentOptions {
  socketPath: string;
  version: string;
  log: AgentLog;
  /** The unit operations to serve; default: a fresh graph in this agent's memory. */
  units?: Units;
  /** agent --socket-group: the gid whose members may use the socket. */
  socketGroup?: number;
}

/** A running agent. */
export interface Agent {
  /** The unit operations the socket serves; the script runner calls the same ones. */
  readonly units: Units;
  readonly socketPath: string;
  /** Stops accepting, answers every waiting client with an error, removes the socket file. */
  stop(): Promise<void>;
}

/**
 * Whether a request may be held open (a wait, an event stream): near the descriptor limit only
 * those are refused; the short ones (`complete`, `fail`, `want`, `ping`, `status`) still get in,
 * or nobody could ever complete what the held clients wait for.
 */
function mayHold(req: Request): boolean {
  const path = /^[a-z]+:\/\/[^/]*(\/[^?#]*)/i.exec(req.url)?.[1] ?? "";
  return path === `${API_PREFIX}/start` || path === `${API_PREFIX}/wait` || path === `${API_PREFIX}/events`;
}

/** Binds the socket (refusing a live agent, recovering a stale socket) and serves the graph on it. */
export async function startAgent(options: AgentOptions): Promise<Agent> {
  const units = options.units ?? createUnits();
  units.events.subscribe((event) => options.log.event(event));
  const handle = createHandler(units, { version: options.version, pid: process.pid });
  const descriptors = new DescriptorGuard(options.log.warn);

  const { server, release } = await claimSocket(
    options.socketPath,
    (unix) =>
      Bun.serve({
        unix,
        // (bun-types allow idleTimeout for TCP only, but the runtime applies it to unix sockets too,
        // and without it a held wait is cut after 10 s; checked with Bun 1.4.4.)
        // Long waits are held requests; the server never cuts an idle connection itself.
        idleTimeout: 0,
        // A backstop only: the handler refuses bodies over MAX_BODY_BYTES with a JSON 413 (from the
        // declared length, or after reading MAX_BODY_BYTES), never buffering them. Bun's own refusal
        // past this limit is a bare 413 without a JSON body, so the limit sits far above any real request.
        maxRequestBodySize: MAX_BODY_BYTES * 1024,
        fetch: (req: Request, server: Bun.Server<undefined>) =>
          descriptors.exhausted(server.pendingRequests) && mayHold(req) ? descriptors.refusal() : handle(req),
        error: (error: Error) =>
          Response.json({ error: { code: "internal", message: error.message } }, { status: 500 }),
      } as unknown as Bun.Serve.Options<undefined>),
    options.socketGroup,
  );

  let stopping: Promise<void> | undefined;
  return {
    units,
    socketPath: options.socketPath,
    stop: () => {
      stopping ??= (async () => {
        release();
        units.shutdown();
        // End `events --follow` streams too, or the graceful stop below would wait for them.
        units.events.close();
        // Let the answers to the waiting clients flush, but never hang on a connection that stays open.
        const graceful = server.stop(false);
        const grace = new Promise((resolve) => setTimeout(resolve, 2000).unref());
        if ((await Promise.race([graceful.then(() => "done"), grace])) !== "done") await server.stop(true);
      })();
      return stopping;
    },
  };
}
