/**
 * Raw bytes over the agent's unix socket, below any HTTP client: what the fuzz and security suites
 * send when the request itself is the thing under test (broken framing, slow headers, garbage).
 */

/** What came back on one connection. */
export interface RawAnswer {
  /** The HTTP status, when the answer parsed as an HTTP response. */
  status?: number;
  headers: Record<string, string>;
  /** The body, de-chunked when the answer was chunked. */
  body: string;
  /** Everything received, as text. */
  raw: string;
  /** Whether the agent closed the connection (rather than the deadline ending the exchange). */
  closedByPeer: boolean;
}

/**
 * Sends `parts` in order (waiting `gapMs` between them, for slow senders) and reads until one full
 * response has arrived, the agent closes the connection, or `deadlineMs` passes.
 */
export async function exchange(
  socket: string,
  parts: (string | Uint8Array)[],
  { gapMs = 0, deadlineMs = 5000 }: { gapMs?: number; deadlineMs?: number } = {},
): Promise<RawAnswer> {
  // A HEAD answer has headers only, whatever its content-length says.
  const headOnly = String(parts[0] ?? "").startsWith("HEAD ");
  const chunks: Buffer[] = [];
  let closedByPeer = false;
  let ending = false;
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const connection = await Bun.connect({
    unix: socket,
    socket: {
      data(_socket, data) {
        chunks.push(Buffer.from(data));
        if (complete(Buffer.concat(chunks).toString("latin1"), headOnly)) settle();
      },
      close() {
        if (!ending) closedByPeer = true;
        settle();
      },
      error() {
        closedByPeer = true;
        settle();
      },
    },
  });
  const deadline = setTimeout(settle, deadlineMs); // deadline for the whole exchange
  try {
    for (const [index, part] of parts.entries()) {
      if (closedByPeer) break;
      if (index > 0 && gapMs > 0) {
        await Promise.race([settled, Bun.sleep(gapMs)]); // pacing of a slow sender, bounded by the deadline
      }
      if (closedByPeer) break;
      connection.write(part);
    }
    connection.flush();
    await settled;
  } finally {
    clearTimeout(deadline);
    ending = true;
    connection.end();
  }
  // Framing is counted in bytes: parse as latin1 (one character per byte), then decode the body.
  const bytes = Buffer.concat(chunks).toString("latin1");
  const parsed = parse(bytes);
  return {
    ...parsed,
    body: Buffer.from(parsed.body, "latin1").toString("utf8"),
    raw: Buffer.from(bytes, "latin1").toString("utf8"),
    closedByPeer,
  };
}

/** A well-formed request with a JSON (or any string) body. */
export function request(method: string, path: string, body?: string, extraHeaders: string[] = []): string {
  const head = [`${method} ${path} HTTP/1.1`, "Host: unitsync", ...extraHeaders];
  if (body !== undefined)
    head.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`);
  return `${head.join("\r\n")}\r\n\r\n${body ?? ""}`;
}

// --- internal ---

/** Whether `text` holds one whole HTTP response (headers, then a body framed by length or chunks). */
function complete(text: string, headOnly: boolean): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return false;
  if (headOnly) return true;
  const head = text.slice(0, end).toLowerCase();
  const body = text.slice(end + 4);
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (length) return Buffer.byteLength(body, "latin1") >= Number(length[1]);
  if (head.includes("transfer-encoding: chunked")) return /(^|\r\n)0\r\n\r\n$/.test(body);
  return false;
}

function parse(raw: string): Pick<RawAnswer, "status" | "headers" | "body"> {
  const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(raw);
  if (!match) return { headers: {}, body: "" };
  const end = raw.indexOf("\r\n\r\n");
  const headers: Record<string, string> = {};
  for (const line of raw.slice(match[0].length, end === -1 ? undefined : end).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end === -1 ? "" : raw.slice(end + 4);
  // Only this response's body: whatever follows is the answer to bytes the agent read as a next request.
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") body = dechunk(body);
  else body = body.slice(0, Number(headers["content-length"] ?? 0));
  return { status: Number(match[1]), headers, body };
}

function dechunk(text: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    if (lineEnd === -1) return out;
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
