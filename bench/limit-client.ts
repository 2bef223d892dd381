/**
 * The least a Bun-based client does for the verbs of the template's client runners (bench/template.ts:
 * the `limit` rows beside 30 `run` processes and 30 want/start/complete scripts). Each verb is one
 * request with fetch, with the real client's socket check (src/client/socket-trust.ts) while it is on
 * its way, and nothing else: no command line, no validation, no deadlines, no progress lines.
 *
 *   limit-client SOCKET want UNIT DEP...           POST /v1/want
 *   limit-client SOCKET start UNIT                 POST /v1/start, read until "started"
 *   limit-client SOCKET complete UNIT              POST /v1/complete
 *   limit-client SOCKET run UNIT [DEP...] -- CMD   start holding the unit (with its dependencies), run
 *                                                  CMD, complete (or fail) the unit, let the hold go
 *
 * Exits 3 when the socket fails the check or the answer is not what the agent sends, 4 on an error
 * line (a failed dependency), 1 on a refusal; `run` exits with the command's status.
 */
import { socketProblem } from "../src/client/socket-trust.ts";

const [socket = "", verb = "", unit = "", ...rest] = process.argv.slice(2);
const dashes = rest.indexOf("--");
const deps = dashes === -1 ? rest : rest.slice(0, dashes);

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`http://unitsync/v1/${path}`, {
    method: "POST",
    unix: socket,
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
    // A start may wait in silence for as long as its dependencies take (Bun's default would cut it).
    timeout: false,
  } as RequestInit);
}

/** The answer, once the socket passed the check that ran while it was on its way. */
async function checked(answer: Promise<Response>): Promise<Response> {
  answer.catch(() => {});
  if (await socketProblem(socket, true)) process.exit(3);
  const res = await answer;
  if (!res.ok) process.exit(1);
  return res;
}

/** Reads a start's lines until "started"; returns the open answer (a held start's lease). */
async function untilStarted(res: Response): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) process.exit(3);
    text += decoder.decode(value, { stream: true });
    if (text.includes('"type":"started"')) return reader;
    if (text.includes('"type":"error"')) process.exit(4);
  }
}

switch (verb) {
  case "want":
    await (await checked(post("want", { unit, depends_on: deps }))).arrayBuffer();
    break;
  case "start":
    await (await untilStarted(await checked(post("start", { unit, timeout_ms: 0 })))).cancel();
    break;
  case "complete":
    await (await checked(post("complete", { unit }))).arrayBuffer();
    break;
  case "run": {
    const started = post("start", { unit, depends_on: deps, timeout_ms: 0, hold: true });
    const lease = await untilStarted(await checked(started));
    const command = Bun.spawn(rest.slice(dashes + 1), { stdio: ["inherit", "inherit", "inherit"] });
    const code = await command.exited;
    await (await post(code === 0 ? "complete" : "fail", { unit })).arrayBuffer();
    await lease.cancel();
    process.exitCode = code;
    break;
  }
  default:
    console.error(`limit-client: unknown verb ${JSON.stringify(verb)}`);
    process.exit(2);
}
