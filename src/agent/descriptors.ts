import { readdirSync, readFileSync } from "node:fs";

/** Descriptors kept free: enough to answer a refusal, and for the scripts' pipes and logs. */
export const DESCRIPTOR_RESERVE = 16;

/**
 * Keeps the agent from running out of file descriptors. Bun's accept loop retries a connection it
 * cannot accept (EMFILE) at once and forever, which spins at 100% CPU with nothing logged; since
 * that loop cannot be paused from JavaScript, the agent keeps `DESCRIPTOR_RESERVE` descriptors free
 * instead: near the limit, new requests that would be held open (start, wait, events) are
 * answered at once with a "busy" refusal and their connection closed, so accepting always succeeds
 * and the backlog drains; short requests still get in. Held waits keep their connections. It says so once per episode. Linux only (the limit and the count come from /proc);
 * elsewhere it never refuses.
 */
export class DescriptorGuard {
  readonly limit: number | undefined;
  #warned = false;

  constructor(readonly warn: (message: string) => void) {
    this.limit = softLimit();
  }

  /** Whether a new request must be refused, given how many are in flight (`server.pendingRequests`). */
  exhausted(pending: number): boolean {
    const { limit } = this;
    // Cheap until open requests fill a quarter of the limit; only then are descriptors counted.
    if (limit === undefined || pending * 4 < limit) {
      this.#warned = false;
      return false;
    }
    const used = openDescriptors();
    if (used !== undefined && used < limit - DESCRIPTOR_RESERVE) {
      if (used < limit - 2 * DESCRIPTOR_RESERVE) this.#warned = false;
      return false;
    }
    if (!this.#warned) {
      this.#warned = true;
      this.warn(
        `out of file descriptors (${used ?? limit} of ${limit} in use, ${pending} requests open): refusing new waits until some end; raise the limit (ulimit -n) to hold more clients`,
      );
    }
    return true;
  }

  /** The refusal for a request that arrives while descriptors are exhausted. */
  refusal(): Response {
    return Response.json(
      {
        error: {
          code: "busy",
          message: `the agent is out of file descriptors (limit ${this.limit}); try again when fewer clients wait`,
        },
      },
      // Closed after the answer, so the descriptor is free again at once.
      { status: 503, headers: { connection: "close" } },
    );
  }
}

// --- internal ---

function softLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    // "Max open files            1024                 4096                 files": the first number.
    const soft = Number(line?.slice("Max open files".length).trim().split(" ")[0]);
    return Number.isFinite(soft) && soft > 0 ? soft : undefined;
  } catch {
    return undefined;
  }
}

/** How many descriptors are open now; undefined when even counting them fails (none left). */
function openDescriptors(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}
