/**
 * Held waits over raw unix-socket connections: one connection per waiter, so a thousand of them
 * are really a thousand concurrent requests (fetch would pool and queue them).
 */

/** A wait request held open on its own connection. */
export interface HeldWait {
  /** Resolves once the agent has sent the first ("waiting") line. */
  readonly waiting: Promise<void>;
  /** Resolves with performance.now() when the final line arrives, and that line's type. */
  readonly done: Promise<{ at: number; type: string }>;
  close(): void;
}

/** POSTs `body` to `/v1<path>` on `socket` and follows the NDJSON answer. */
export async function holdWait(socket: string, path: string, body: unknown): Promise<HeldWait> {
  const payload = JSON.stringify(body);
  const request =
    `POST /v1${path} HTTP/1.1\r\nHost: unitsync\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
  let received = "";
  let onWaiting: () => void = () => {};
  let onDone: (value: { at: number; type: string }) => void = () => {};
  let onError: (error: Error) => void = () => {};
  const waiting = new Promise<void>((resolve) => {
    onWaiting = resolve;
  });
  const done = new Promise<{ at: number; type: string }>((resolve, reject) => {
    onDone = resolve;
    onError = reject;
  });
  let finished = false;
  const socketHandle = await Bun.connect({
    unix: socket,
    socket: {
      data(_socket, chunk) {
        received += chunk.toString();
        if (received.includes('"type":"waiting"')) onWaiting();
        const final = /"type":"(started|completed|error)"/.exec(received);
        if (final && !finished) {
          finished = true;
          onWaiting();
          onDone({ at: performance.now(), type: final[1] as string });
        }
      },
      close() {
        if (!finished)
          onError(new Error(`connection closed before the final line: ${received.slice(0, 300)}`));
      },
      error(_socket, error) {
        onError(error);
      },
    },
  });
  socketHandle.write(request);
  return { waiting, done, close: () => socketHandle.end() };
}
