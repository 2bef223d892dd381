/**
 * Bad input against a live agent over its unix socket: at least 10,000 malformed requests (random
 * bytes, broken HTTP, wrong JSON types, unknown fields, huge bodies, hostile unit names, deep
 * nesting), then slow-loris connections. Afterwards the agent still answers, a client held waiting
 * through it all is still waiting, and the state is exactly what it was.
 */
import { describe, expect, test } from "bun:test";
import { ErrorBodySchema, parseWith } from "../../src/protocol/schemas.ts";
import { syncInBackground, untilWaiting, waiters } from "../_background.ts";
import { startAgent, sync, tempDir } from "../_helpers.ts";
import { seededRandom } from "../_random.ts";
import { type Case, drawCase, SEEDED } from "./_cases.ts";
import { exchange, type RawAnswer, request } from "./_raw.ts";

const REQUESTS = 10_000;
const CONCURRENCY = 16;
const SEED = 6;

/** Answers Bun's HTTP parser gives before our handler runs: a bare status line, no JSON body. */
const PARSER_STATUSES = new Set([400, 413, 431, 505]);

describe("bad input", () => {
  test(`${REQUESTS} malformed requests change nothing, and each refusal is answered properly`, async () => {
    using dir = tempDir();
    await using agent = await startAgent(dir.socket);
    await seedState(dir.socket);
    // A client blocked through the whole run: nothing may release or drop it.
    const blocked = syncInBackground(dir.socket, "start", SEEDED.pending, "--timeout", "0");
    await untilWaiting(dir.socket, 1);
    const before = await snapshot(dir.socket);

    const random = seededRandom(SEED);
    const cases = Array.from({ length: REQUESTS }, () => drawCase(random));
    const problems: string[] = [];
    const tally = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const fuzz = cases[index] as Case;
        const answer = await exchange(dir.socket, fuzz.parts, {
          // Broken framing may well get no answer at all: do not wait long for one.
          deadlineMs: fuzz.expect === "framing" ? 250 : 20_000,
        });
        const problem = judge(fuzz, answer);
        const key = `${fuzz.kind} -> ${answer.status ?? (answer.closedByPeer ? "closed" : "no answer")}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (problem && problems.length < 20) {
          problems.push(
            `case #${index} (seed ${SEED}, ${fuzz.kind}): ${problem}; answer: ${answer.raw.slice(0, 300)}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    if (process.env.FUZZ_TALLY) console.error([...tally].sort().join("\n"));
    expect(problems).toEqual([]);
    // Every kind of case was drawn, and the handler itself answered most of them.
    expect(new Set(cases.map((fuzz) => fuzz.kind)).size).toBe(10);
    const byHandler = [...tally].filter(([key]) => /-> 4\d\d$/.test(key)).reduce((sum, [, n]) => sum + n, 0);
    expect(byHandler).toBeGreaterThan(REQUESTS / 2);

    expect((await sync(dir.socket, "ping")).exitCode).toBe(0);
    expect(await snapshot(dir.socket)).toEqual(before);
    expect(await waiters(dir.socket)).toBe(1);
    expect(blocked.proc.exitCode).toBeNull();

    // And it still does its job: completing the dependency releases the blocked client.
    expect((await sync(dir.socket, "complete", SEEDED.started)).exitCode).toBe(0);
    const released = await blocked.done;
    expect(released.exitCode).toBe(0);
    expect(released.stdout).toContain(`Unit "${SEEDED.pending}" finished waiting for dependencies`);
    expect(agent.proc.exitCode).toBeNull();
  });

  test("slow-loris connections neither block other clients nor change anything", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await seedState(dir.socket);
    const before = await snapshot(dir.socket);

    // 20 clients dribble a refused request a few bytes at a time; 10 more send half a header and stall.
    const refused = request("POST", "/v1/complete", JSON.stringify({ unit: SEEDED.completed }));
    const dribbled = Array.from({ length: 20 }, () =>
      exchange(dir.socket, refused.match(/[\s\S]{1,4}/g) ?? [], { gapMs: 25, deadlineMs: 30_000 }),
    );
    const stalled = Array.from({ length: 10 }, () =>
      exchange(dir.socket, ["POST /v1/complete HTTP/1.1\r\nHost: uni"], { deadlineMs: 1500 }),
    );

    // Meanwhile every other client is served at once.
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      expect((await sync(dir.socket, "ping")).exitCode).toBe(0);
      expect(performance.now() - started).toBeLessThan(5000);
    }

    for (const answer of await Promise.all(dribbled)) {
      expect(answer.status).toBe(409);
      expect(parseWith(ErrorBodySchema, JSON.parse(answer.body)).ok).toBe(true);
    }
    // The stalled ones never got an answer (they never finished a request); the agent kept them open.
    for (const answer of await Promise.all(stalled)) {
      expect(answer.status).toBeUndefined();
      expect(answer.closedByPeer).toBe(false);
    }
    expect(await snapshot(dir.socket)).toEqual(before);
  });
});

// --- internal ---

/** Units in each state, so that a stray accepted request would show in the snapshot. */
async function seedState(socket: string): Promise<void> {
  const steps = [
    ["want", SEEDED.pending, SEEDED.started],
    ["start", SEEDED.started],
    ["start", SEEDED.completed],
    ["complete", SEEDED.completed],
    ["fail", SEEDED.failed, "--reason", "seeded failure"],
  ];
  for (const step of steps) expect((await sync(socket, ...step)).exitCode).toBe(0);
}

/** The agent's state: every unit with its edges, status and times (without the snapshot's own clock). */
async function snapshot(socket: string): Promise<unknown> {
  const res = await fetch("http://unitsync/v1/snapshot", { unix: socket });
  expect(res.status).toBe(200);
  const { now: _now, ...state } = (await res.json()) as { now?: string };
  return state;
}

/** What is wrong with the answer to a case, or undefined when it is a proper refusal. */
function judge(fuzz: Case, answer: RawAnswer): string | undefined {
  if (answer.status === undefined) {
    return fuzz.expect === "json-4xx" ? "no HTTP answer to a well-framed request" : undefined;
  }
  const isJson = (answer.headers["content-type"] ?? "").startsWith("application/json");
  if (isJson) {
    if (answer.status < 400 || answer.status > 499) return `status ${answer.status} from the handler`;
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return "a JSON content type with a body that is not JSON";
    }
    const parsed = parseWith(ErrorBodySchema, body);
    return parsed.ok ? undefined : `error body does not match the schema: ${parsed.message}`;
  }
  if (fuzz.expect === "json-4xx") return `status ${answer.status} without a JSON error body`;
  if (!PARSER_STATUSES.has(answer.status)) return `unexpected parser status ${answer.status}`;
  return answer.body === "" ? undefined : "a parser answer with a body";
}
