import { usageError } from "../../lib/errors.ts";

/** Where the shared store is, parsed from `--store`; `display` is safe to print (no credentials). */
export interface StoreAddress {
  /** `redis://host:6379/0`, `rediss://...`, `redis+unix:///run/redis.sock`: never the user or password. */
  display: string;
  /** The URL handed to Bun's Redis client (with credentials). */
  connectUrl: string;
  tls: boolean;
  /** For the diagnostic probe: a TCP host and port, or a unix socket path. */
  host?: string;
  port?: number;
  unix?: string;
  user?: string;
  password?: string;
  db: number;
}

/** Namespace names: short and plain, since they become part of every key. */
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Parses `redis://[user:password@]HOST:PORT[/DB]`, `rediss://...` (TLS), or a unix socket as
 * `redis+unix://[user:password@]/path/to/redis.sock[?db=N]` (also `unix:///path`).
 */
export function parseStoreUrl(text: string): StoreAddress {
  const bad = (why: string) =>
    usageError(
      `invalid --store: ${why}`,
      "use redis://[user:password@]HOST:PORT[/DB], rediss://... for TLS, or redis+unix:///path/to/redis.sock",
    );
  const scheme = /^([a-z+]+):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) throw bad("not a URL");
  const rest = text.slice(scheme.length + 3);

  if (scheme === "redis+unix" || scheme === "unix") {
    // Userinfo before the path: `redis+unix://user:pass@/run/redis.sock`. WHATWG URL does not parse
    // an empty host with userinfo, so this is split by hand (an "@/" inside a password must be encoded).
    const split = rest.startsWith("/") ? -1 : rest.indexOf("@/");
    const userinfo = split > 0 ? rest.slice(0, split) : "";
    const pathAndQuery = split > 0 ? rest.slice(split + 1) : rest;
    const [path = "", query = ""] = pathAndQuery.split("?", 2);
    if (!path.startsWith("/")) throw bad("a unix socket URL needs an absolute path");
    const db = query ? parseDb(new URLSearchParams(query).get("db") ?? "0", bad) : 0;
    const { user, password } = splitUserinfo(userinfo, bad);
    // Bun reads the socket path from the URL path and needs a host to accept credentials.
    const credentials =
      password !== undefined
        ? `${encodeURIComponent(user ?? "default")}:${encodeURIComponent(password)}@`
        : "";
    return {
      display: `redis+unix://${path}${db ? `?db=${db}` : ""}`,
      connectUrl: `redis+unix://${credentials}localhost${path}`,
      tls: false,
      unix: path,
      ...(user !== undefined && { user }),
      ...(password !== undefined && { password }),
      db,
    };
  }
  if (scheme !== "redis" && scheme !== "rediss") throw bad(`unknown scheme "${scheme}://"`);

  let url: URL;
  try {
    url = new URL(`http://${rest}`);
  } catch {
    throw bad("not a URL");
  }
  if (!url.hostname) throw bad("no host");
  if (url.search || url.hash) throw bad("no query or fragment is accepted");
  const dbText = url.pathname.replace(/^\//, "");
  const db = dbText ? parseDb(dbText, bad) : 0;
  const port = url.port ? Number(url.port) : 6379;
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const hostPort = `${url.hostname}:${port}`;
  return {
    display: `${scheme}://${hostPort}/${db}`,
    connectUrl: `${scheme}://${url.username || url.password ? `${url.username}:${url.password}@` : ""}${hostPort}/${db}`,
    tls: scheme === "rediss",
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port,
    ...(user !== undefined && { user }),
    ...(password !== undefined && { password }),
    db,
  };
}

/** Refuses a namespace that is empty, long, or has characters that would be awkward in keys. */
export function parseNamespace(text: string): string {
  if (!NAMESPACE.test(text)) {
    throw usageError(
      `invalid --namespace "${text}"`,
      "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  }
  return text;
}

// --- internal ---

function parseDb(text: string, bad: (why: string) => Error): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(`database "${text}" is not a number`);
  return Number(text);
}

function splitUserinfo(userinfo: string, bad: (why: string) => Error): { user?: string; password?: string } {
  if (!userinfo) return {};
  const colon = userinfo.indexOf(":");
  try {
    if (colon < 0) return { password: decodeURIComponent(userinfo) };
    const user = decodeURIComponent(userinfo.slice(0, colon));
    return { ...(user && { user }), password: decodeURIComponent(userinfo.slice(colon + 1)) };
  } catch {
    throw bad("malformed percent-encoding in the credentials");
  }
}
