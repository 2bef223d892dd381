/**
 * Local servers for the probe tests, all on 127.0.0.1 with ports the kernel picks at run time:
 * one that accepts, one that answers HTTP, a port nothing listens on, and a black hole whose
 * connects hang the way a firewall that drops packets makes them hang.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { connect, createServer, type Socket } from "node:net";

/** A TCP listener that accepts connections (and says nothing); closed on dispose. */
export async function tcpListener(): Promise<{ port: number; [Symbol.asyncDispose](): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    [Symbol.asyncDispose]: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A loopback port that nothing listens on (bound by a listener, then closed): connects are refused. */
export async function closedPort(): Promise<number> {
  const listener = await tcpListener();
  await listener[Symbol.asyncDispose]();
  return listener.port;
}

/**
 * A loopback port whose connects never complete. The socket listens with a backlog of 0 and is
 * never accepted from; once one connection fills its accept queue, Linux drops further SYNs
 * (net.ipv4.tcp_abort_on_overflow=0, the default) and the connecting side retries for minutes,
 * exactly as against an address behind a firewall that drops packets. Node's and Bun's servers
 * always accept, so the socket is made with libc through bun:ffi.
 */
export async function blackHole(): Promise<{ port: number; [Symbol.asyncDispose](): Promise<void> }> {
  const libc = dlopen(process.platform === "darwin" ? "libc.dylib" : "libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    listen: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    getsockname: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  });
  const AF_INET = 2;
  const SOCK_STREAM = 1;
  const fd = libc.symbols.socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw new Error("socket() failed");
  // struct sockaddr_in { u16 family; u16 port (network order); u8 addr[4]; u8 zero[8] }, port 0.
  const address = new Uint8Array(16);
  new DataView(address.buffer).setUint16(0, AF_INET, true);
  address.set([127, 0, 0, 1], 4);
  if (libc.symbols.bind(fd, ptr(address), 16) !== 0) throw new Error("bind() failed");
  if (libc.symbols.listen(fd, 0) !== 0) throw new Error("listen() failed");
  const length = new Uint32Array([16]);
  if (libc.symbols.getsockname(fd, ptr(address), ptr(length)) !== 0) throw new Error("getsockname() failed");
  const port = new DataView(address.buffer).getUint16(2, false);

  // Fill the accept queue: these connects complete (the kernel finishes the handshake for them).
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = connect({ host: "127.0.0.1", port });
    socket.on("error", () => {});
    fillers.push(socket);
  }
  await new Promise<void>((resolve) => fillers[0]?.once("connect", () => resolve()));
  return {
    port,
    [Symbol.asyncDispose]: async () => {
      for (const socket of fillers) socket.destroy();
      libc.symbols.close(fd);
      libc.close();
    },
  };
}

/** An HTTP server on loopback answering every request with `status`; stopped on dispose. */
export function httpServer(status: number): { url: string; [Symbol.asyncDispose](): Promise<void> } {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      new Response(status === 204 ? null : "body", {
        status,
        headers: status >= 300 && status < 400 ? { location: "/elsewhere" } : {},
      }),
  });
  return { url: `http://127.0.0.1:${server.port}/healthz`, [Symbol.asyncDispose]: () => server.stop(true) };
}
