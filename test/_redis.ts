/**
 * A real redis-server for the shared-store tests: started in its own temp dir, listening on a unix
 * socket there (no TCP port unless asked), nothing saved to disk, stopped on dispose. Tests that use
 * it are declared with `describe.skipIf(missing("redis-server"))`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./_helpers.ts";

export interface RedisServer {
  /** The directory the server and the test share (also a good place for agent sockets). */
  dir: string;
  socket: string;
  /** `redis+unix:///.../redis.sock`, with the password when one is set. */
  url: string;
  /** TCP port, when started with `tcp: true`. */
  port?: number;
  /** With `tls: true`: `rediss://localhost:PORT`, and the self-signed certificate to trust (its own CA). */
  tls?: { url: string; ca: string };
  pid: number;
  /** Sends a signal to the server (SIGSTOP / SIGCONT / SIGKILL). */
  signal(signal: NodeJS.Signals): void;
  /** Kills the server and starts an empty one on the same socket (and port). */
  restartEmpty(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts redis-server and waits until it answers PING. */
export async function startRedis(
  options: { password?: string; tcp?: boolean; tls?: boolean } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync("/tmp/rs-");
  const socket = join(dir, "redis.sock");
  const port = options.tcp ? await freePort() : 0;
  const tlsPort = options.tls ? await freePort() : 0;
  const ca = join(dir, "cert.pem");
  if (options.tls) selfSigned(ca, join(dir, "key.pem"));
  const args = [
    "redis-server",
    "--port",
    String(port),
    "--unixsocket",
    socket,
    "--unixsocketperm",
    "700",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
    ...(options.password ? ["--requirepass", options.password] : []),
    ...(options.tls
      ? ["--tls-port", String(tlsPort), "--tls-cert-file", ca, "--tls-key-file", join(dir, "key.pem")]
      : []),
    ...(options.tls ? ["--tls-ca-cert-file", ca, "--tls-auth-clients", "no"] : []),
  ];
  let proc = await launch(args, socket, options.password);
  const credentials = options.password ? `:${options.password}@` : "";
  return {
    dir,
    socket,
    url: `redis+unix://${credentials}${socket}`,
    ...(options.tcp && { port }),
    ...(options.tls && { tls: { url: `rediss://localhost:${tlsPort}`, ca } }),
    get pid() {
      return proc.pid;
    },
    signal: (signal) => process.kill(proc.pid, signal),
    async restartEmpty() {
      proc.kill("SIGKILL");
      await proc.exited;
      proc = await launch(args, socket, options.password);
    },
    async [Symbol.asyncDispose]() {
      proc.kill("SIGKILL");
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- internal ---

async function launch(args: string[], socket: string, password?: string) {
  const proc = Bun.spawn(args, { stdout: "ignore", stderr: "pipe" });
  const up = await waitFor(
    "redis-server to answer PING",
    async () => (await answers(socket, password)) || proc.exitCode !== null,
  ).catch(() => false);
  if (up && proc.exitCode === null) return proc;
  proc.kill("SIGKILL");
  throw new Error(`redis-server did not start: ${await new Response(proc.stderr).text()}`);
}

/** Whether a server answers PING on the socket (a raw RESP exchange: no client library involved). */
async function answers(socket: string, password?: string): Promise<boolean> {
  const { promise, resolve } = Promise.withResolvers<boolean>();
  let reply = "";
  try {
    const conn = await Bun.connect({
      unix: socket,
      socket: {
        open(s) {
          s.write(password ? `AUTH ${password}\r\nPING\r\n` : "PING\r\n");
        },
        data(_s, chunk) {
          reply += chunk.toString();
          if (reply.includes("PONG")) resolve(true);
        },
        close: () => resolve(false),
        error: () => resolve(false),
      },
    });
    const timer = setTimeout(() => resolve(false), 1000);
    const ok = await promise;
    clearTimeout(timer);
    conn.end();
    return ok;
  } catch {
    return false;
  }
}

/** A certificate for localhost (and 127.0.0.1), signed by itself, made with openssl. */
function selfSigned(cert: string, key: string): void {
  const result = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  if (result.exitCode !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`);
}

/** A TCP port that was free a moment ago (the kernel picks it). */
async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
