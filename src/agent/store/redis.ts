import { RedisClient } from "bun";
import { APPEND, GONE, HEAD, JOIN, RENEW } from "./lua.ts";
import { type LogEntry, type SharedLog, StoreError } from "./types.ts";
import type { StoreAddress } from "./url.ts";

/** How a member of the namespace is known to the others (its lease's value). */
export interface Member {
  id: string;
  host: string;
  pid: number;
}

export interface RedisLogOptions {
  address: StoreAddress;
  namespace: string;
  member: Member;
  leaseMs: number;
  /** How long one command may take before the store counts as unreachable. */
  timeoutMs: number;
}

/** Entries fetched per read: a joining agent catches up in batches of this size. */
const READ_BATCH = 1000;

/**
 * The shared log in Redis: a stream of entries, a version counter (the last position), an epoch,
 * and one lease key per agent, all under `unitsync:{NAMESPACE}:`. Commands and the blocking reads
 * use separate connections, so a held read never delays an append.
 */
export class RedisLog implements SharedLog {
  readonly display: string;
  readonly #keys: { epoch: string; version: string; log: string; lease: (member: string) => string };
  readonly #commands: Connection;
  readonly #reader: Connection;
  readonly #leaseValue: string;

  constructor(readonly options: RedisLogOptions) {
    const { address, namespace, member } = options;
    this.display = `${address.display} (namespace ${namespace})`;
    const prefix = `unitsync:{${namespace}}:`;
    this.#keys = {
      epoch: `${prefix}epoch`,
      version: `${prefix}version`,
      log: `${prefix}log`,
      lease: (id) => `${prefix}lease:${id}`,
    };
    this.#commands = new Connection(address, this.display);
    this.#reader = new Connection(address, this.display);
    this.#leaseValue = JSON.stringify({ host: member.host, pid: member.pid });
  }

  async join(): Promise<{ epoch: string; head: number }> {
    const { epoch, version, lease } = this.#keys;
    const fresh = crypto.randomUUID();
    const [current, head] = (await this.#eval(
      JOIN,
      [epoch, version, lease(this.options.member.id)],
      [fresh, this.#leaseValue, String(this.options.leaseMs)],
    )) as [string, number];
    return { epoch: current, head };
  }

  async append(epoch: string, entry: string, ifGone?: string): Promise<number | undefined> {
    const { epoch: epochKey, version, log, lease } = this.#keys;
    const keys = [epochKey, version, log, lease(this.options.member.id)];
    if (ifGone) keys.push(lease(ifGone));
    const position = await this.#eval(APPEND, keys, [epoch, entry]);
    return position === null ? undefined : (position as number);
  }

  async read(after: number, blockMs: number): Promise<LogEntry[]> {
    const args = ["COUNT", String(READ_BATCH), "STREAMS", this.#keys.log, `${after}-1`];
    if (blockMs > 0) args.unshift("BLOCK", String(blockMs));
    const reply = await this.#reader.send("XREAD", args, blockMs + this.options.timeoutMs);
    return entriesOf(reply);
  }

  async head(epoch: string): Promise<number> {
    return (await this.#eval(HEAD, [this.#keys.epoch, this.#keys.version], [epoch])) as number;
  }

  async renew(epoch: string): Promise<boolean> {
    const keys = [this.#keys.epoch, this.#keys.lease(this.options.member.id)];
    return (await this.#eval(RENEW, keys, [epoch, this.#leaseValue, String(this.options.leaseMs)])) === 1;
  }

  async gone(members: readonly string[]): Promise<string[]> {
    if (members.length === 0) return [];
    const indexes = (await this.#eval(GONE, members.map(this.#keys.lease), [])) as number[];
    return indexes.map((i) => members[i - 1] as string);
  }

  async leave(): Promise<void> {
    await this.#commands.send("DEL", [this.#keys.lease(this.options.member.id)], this.options.timeoutMs);
  }

  close(): void {
    this.#commands.drop();
    this.#reader.drop();
  }

  // --- internal ---

  /** EVALSHA, falling back to EVAL when the server does not know the script (restarted, flushed). */
  async #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await this.#commands.send("EVALSHA", [sha1(script), ...rest], this.options.timeoutMs);
    } catch (error) {
      if (!(error instanceof ServerError) || !/\bNOSCRIPT\b/.test(error.message)) throw this.#mapped(error);
    }
    try {
      return await this.#commands.send("EVAL", [script, ...rest], this.options.timeoutMs);
    } catch (error) {
      throw this.#mapped(error);
    }
  }

  #mapped(error: unknown): unknown {
    if (!(error instanceof ServerError)) return error;
    if (/\bUNITSYNC_RESET\b/.test(error.message)) {
      return new StoreError(
        "reset",
        `the shared store ${this.display} was reset (restarted empty or flushed): the shared graph is gone; restart the agents`,
      );
    }
    if (/\bUNITSYNC_LEASE\b/.test(error.message)) {
      return new StoreError("lease_lost", `this agent's lease in ${this.display} expired`);
    }
    return new StoreError(
      "unavailable",
      `the shared store ${this.display} refused a command: ${error.message}`,
    );
  }
}

// --- internal ---

/** An error reply from the server (as opposed to a connection problem). */
class ServerError extends Error {}

const shas = new Map<string, string>();

function sha1(script: string): string {
  let sha = shas.get(script);
  if (!sha) {
    sha = new Bun.CryptoHasher("sha1").update(script).digest("hex");
    shas.set(script, sha);
  }
  return sha;
}

/** XREAD's reply (a RESP3 map, or RESP2 nested arrays) as entries. */
function entriesOf(reply: unknown): LogEntry[] {
  if (!reply) return [];
  const streams: unknown[] = Array.isArray(reply)
    ? reply.map((pair) => (pair as unknown[])[1])
    : Object.values(reply);
  const entries: LogEntry[] = [];
  for (const stream of streams) {
    for (const [id, fields] of stream as [string, string[]][]) {
      entries.push({ position: Number.parseInt(id, 10), text: fields[1] as string });
    }
  }
  return entries;
}

/**
 * One connection, made on first use and remade after any failure. Bun's own reconnection gives up
 * after a number of tries and cannot see a server that stopped answering (SIGSTOP, a partition), so
 * every command has a deadline and a connection that missed one is thrown away.
 */
class Connection {
  #client: RedisClient | undefined;
  #connecting: Promise<RedisClient> | undefined;

  constructor(
    readonly address: StoreAddress,
    readonly display: string,
  ) {}

  async send(command: string, args: string[], timeoutMs: number): Promise<unknown> {
    const client = await this.#connected(timeoutMs);
    try {
      return await deadline(client.send(command, args), timeoutMs, () =>
        unavailable(this.display, `no answer within ${timeoutMs} ms`),
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ERR_REDIS_SERVER_ERROR") throw new ServerError((error as Error).message);
      this.drop();
      if (error instanceof StoreError) throw error;
      throw unavailable(this.display, "the connection was lost");
    }
  }

  drop(): void {
    const client = this.#client;
    this.#client = undefined;
    this.#connecting = undefined;
    client?.close();
  }

  async #connected(timeoutMs: number): Promise<RedisClient> {
    if (this.#client?.connected) return this.#client;
    this.#connecting ??= this.#connect(timeoutMs).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(timeoutMs: number): Promise<RedisClient> {
    this.#client?.close();
    this.#client = undefined;
    const client = new RedisClient(this.address.connectUrl, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: timeoutMs,
      ...(this.address.tls && { tls: true }),
    });
    try {
      await deadline(client.connect(), timeoutMs, () =>
        unavailable(this.display, `no answer within ${timeoutMs} ms`),
      );
      // Bun selects the database from a TCP URL itself; a unix socket URL has no place for it.
      if (this.address.unix && this.address.db) await client.send("SELECT", [String(this.address.db)]);
    } catch (error) {
      client.close();
      if (error instanceof StoreError) throw error;
      // Bun reports a refused connection and a refused password alike ("Connection closed"):
      // ask the server directly, so the message says which it was.
      throw unavailable(this.display, await diagnose(this.address, timeoutMs));
    }
    this.#client = client;
    return client;
  }
}

function unavailable(display: string, why: string): StoreError {
  return new StoreError("unavailable", `the shared store ${display} is unreachable: ${why}`);
}

async function deadline<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why a connection to the store failed, in a few words, found by speaking RESP over a raw socket:
 * refused, no such socket, a wrong password, a password needed. Never includes the credentials.
 */
async function diagnose(address: StoreAddress, timeoutMs: number): Promise<string> {
  const command =
    address.password !== undefined
      ? ["AUTH", ...(address.user ? [address.user] : []), address.password]
      : ["PING"];
  const request = `*${command.length}\r\n${command.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;
  const { promise, resolve } = Promise.withResolvers<string>();
  const timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  let reply = "";
  const judge = (text: string): string => {
    if (text.startsWith("-WRONGPASS") || text.startsWith("-ERR invalid password"))
      return "wrong user name or password";
    if (text.startsWith("-NOAUTH")) return "the server needs a password (none was given)";
    if (text.startsWith("-ERR AUTH") || text.startsWith("-ERR Client sent AUTH"))
      return "a password was given but the server has none set";
    if (text.startsWith("-")) return `the server said: ${text.slice(1).split("\r\n")[0]}`;
    return "the connection was closed";
  };
  try {
    const socket = {
      data(_s: unknown, chunk: Buffer) {
        reply += chunk.toString();
        if (reply.includes("\r\n")) resolve(judge(reply));
      },
      open(s: { write(data: string): number }) {
        s.write(request);
      },
      handshake(_s: unknown, success: boolean, error: (Error & { code?: string }) | null) {
        if (!success || error) {
          resolve(
            `TLS: the server's certificate was refused (${error?.code ?? error?.message ?? "handshake failed"}); trust its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem`,
          );
        }
      },
      close() {
        resolve(reply ? judge(reply) : "the connection was closed");
      },
      error() {
        resolve("the connection was closed");
      },
      connectError(_s: unknown, error: Error & { code?: string }) {
        resolve(connectProblem(error));
      },
    };
    const conn = address.unix
      ? await Bun.connect({ unix: address.unix, socket })
      : await Bun.connect({
          hostname: address.host as string,
          port: address.port as number,
          tls: address.tls,
          socket,
        });
    const result = await promise;
    conn.end();
    return result;
  } catch (error) {
    return connectProblem(error as Error & { code?: string });
  } finally {
    clearTimeout(timer);
  }
}

function connectProblem(error: Error & { code?: string }): string {
  if (error.code === "ECONNREFUSED") return "connection refused";
  if (error.code === "ENOENT") return "no such socket";
  if (error.code === "EACCES") return "permission denied";
  return error.code ?? error.message;
}
