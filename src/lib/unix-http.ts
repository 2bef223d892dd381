/**
 * HTTP over a unix socket: the one place that calls fetch for it, and the one place that turns the
 * environment's HTTP proxy off (Bun's fetch honours HTTP_PROXY even with `unix` in some versions,
 * and the types do not know `proxy: false`).
 */

/** Options of a request over the socket: fetch's, plus Bun's `timeout` (false: no idle timer). */
export type UnixRequestInit = RequestInit & { timeout?: boolean };

/** Sends one request to `url` over the unix socket at `socketPath`, never through a proxy. */
export function unixFetch(socketPath: string, url: string, init: UnixRequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, unix: socketPath, proxy: false as unknown as string });
}

/**
 * The lines of a streamed body (NDJSON) as they arrive, without their newline; empty lines are
 * skipped. Errors of the underlying stream (a lost connection) are thrown as they are.
 */
export async function* bodyLines(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n", start)) {
      const line = buffered.slice(start, newline);
      start = newline + 1;
      if (line) yield line;
    }
    buffered = buffered.slice(start);
  }
}
