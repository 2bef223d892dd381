/**
 * The limit for a Bun-based `ping`: a compiled binary that sends the agent the same request
 * (GET /v1/ping over the unix socket named by its first argument), reads the JSON answer and
 * prints "Success", with none of unitsync's command line, validation or socket check. With
 * `--checked` it also runs unitsync's socket check (src/client/socket-trust.ts) while the request
 * is on its way, as the real client does: the two show what the request and the check cost alone.
 */
import { socketProblem } from "../src/client/socket-trust.ts";

const [socket = "", mode] = process.argv.slice(2);
const answer = fetch("http://unitsync/v1/ping", { unix: socket } as RequestInit);
if (mode === "--checked" && (await socketProblem(socket))) process.exit(3);
const body = (await (await answer).json()) as { agent?: string };
if (body.agent !== "unitsync") process.exit(3);
console.log("Success");
