import { parseDuration } from "../../lib/duration.ts";
import { ExitCode, UnitsyncError, usageError } from "../../lib/errors.ts";
import { AgentState } from "../state.ts";
import { type Member, RedisLog } from "./redis.ts";
import { SharedGraph, type SharedGraphOptions } from "./shared.ts";
import { SharedUnits } from "./shared-units.ts";
import { StoreError } from "./types.ts";
import { parseNamespace, parseStoreUrl, type StoreAddress } from "./url.ts";

/** Defaults: a lost agent is noticed within about 10 s; a renewal may fail four times in a row first. */
export const DEFAULT_LEASE = "10s";
export const DEFAULT_RENEW = "2s";
export const DEFAULT_NAMESPACE = "default";

/** The shared store the agent joins, from its flags and environment. */
export interface StoreConfig {
  address: StoreAddress;
  namespace: string;
  leaseMs: number;
  renewMs: number;
  /** How long one store command may take: a renewal interval, within 0.5 to 5 s. */
  timeoutMs: number;
}

export interface StoreFlags {
  store?: string | undefined;
  namespace?: string | undefined;
  lease?: string | undefined;
  "lease-renew"?: string | undefined;
}

/**
 * The store configuration, or undefined for the in-memory agent. `--store` (env UNITSYNC_STORE) and
 * `--namespace` (env UNITSYNC_NAMESPACE); the lease flags only make sense with a store.
 */
export function storeConfig(
  flags: StoreFlags,
  env: NodeJS.ProcessEnv = process.env,
): StoreConfig | undefined {
  const url = flags.store ?? (env.UNITSYNC_STORE || undefined);
  if (url === undefined) {
    for (const flag of ["namespace", "lease", "lease-renew"] as const) {
      if (flags[flag] !== undefined) throw usageError(`--${flag} needs --store (or UNITSYNC_STORE)`);
    }
    return undefined;
  }
  const leaseMs = parseDuration(flags.lease ?? DEFAULT_LEASE);
  const renewMs = parseDuration(flags["lease-renew"] ?? DEFAULT_RENEW);
  if (leaseMs < 1000) throw usageError(`--lease ${flags.lease} is too short; use at least 1s`);
  if (renewMs <= 0 || renewMs * 2 > leaseMs) {
    throw usageError(
      `--lease-renew ${flags["lease-renew"] ?? DEFAULT_RENEW} must be more than 0 and at most half of --lease ${flags.lease ?? DEFAULT_LEASE}`,
    );
  }
  return {
    address: parseStoreUrl(url),
    namespace: parseNamespace(flags.namespace ?? (env.UNITSYNC_NAMESPACE || DEFAULT_NAMESPACE)),
    leaseMs,
    renewMs,
    timeoutMs: Math.min(5000, Math.max(500, renewMs)),
  };
}

/** The agent's units over the shared graph, and the way to leave it. */
export interface SharedAgentUnits {
  units: SharedUnits;
  /** Leaves the namespace: this agent's started units fail ("stopped"), its lease is given up. */
  close(): Promise<void>;
}

/**
 * Joins the shared graph as this agent. A store that cannot be reached (or refuses the credentials)
 * is a UnitsyncError with exit 3 and one line naming the store.
 */
export async function openSharedUnits(
  config: StoreConfig,
  report: NonNullable<SharedGraphOptions["report"]>,
): Promise<SharedAgentUnits> {
  const state = new AgentState();
  const member = newMember();
  let units: SharedUnits | undefined;
  let shared: SharedGraph;
  try {
    shared = await openSharedGraph(config, state, {
      report,
      onReset: (error) => units?.storeReset(error),
      member,
    });
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new UnitsyncError(error.message, ExitCode.unreachable, "store_unavailable");
  }
  units = new SharedUnits(state, shared, member);
  return { units, close: () => shared.close() };
}

/** Joins the shared graph with a fresh identity (a random id, this host, this pid); throws a StoreError. */
export async function openSharedGraph(
  config: StoreConfig,
  state: AgentState,
  {
    member = newMember(),
    ...hooks
  }: Pick<SharedGraphOptions, "report" | "onReset"> & { member?: Member } = {},
): Promise<SharedGraph> {
  const log = new RedisLog({
    address: config.address,
    namespace: config.namespace,
    member,
    leaseMs: config.leaseMs,
    timeoutMs: config.timeoutMs,
  });
  const shared = new SharedGraph({
    state,
    log,
    member,
    renewMs: config.renewMs,
    leaseMs: config.leaseMs,
    timeoutMs: config.timeoutMs,
    ...hooks,
  });
  try {
    await shared.open();
  } catch (error) {
    log.close();
    throw error;
  }
  return shared;
}

// --- internal ---

function newMember(): Member {
  // node:os only here, with a store: every other agent would load it for nothing (~0.3 ms at start).
  const { hostname } = require("node:os") as typeof import("node:os");
  return { id: crypto.randomUUID().slice(0, 8), host: hostname(), pid: process.pid };
}
