/**
 * Load: 500 client processes over a random DAG, every one of them blocked in `start` at the same
 * time (the whole DAG hangs off one gate unit), then released by one `complete` and cascading
 * through want/start/complete to the end. No client errs, each prints exactly Coder's lines, and the
 * final state equals the model's: every unit completed, with its edges, started only after its
 * dependencies completed.
 */
import { describe, expect, test } from "bun:test";
import { waiters } from "../_background.ts";
import { BIN, cleanEnv, startAgent, sync, tempDir, waitFor } from "../_helpers.ts";
import { seededRandom } from "../_random.ts";

const UNITS = 500;
/** Processes in their start-up at once: a started client costs CPU only until it blocks. */
const SPAWNING = 50;
const GATE = "load.gate";

describe("load", () => {
  test(`${UNITS} clients over a random DAG, all waiting at once`, async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const dag = randomDag(UNITS);
    const env = cleanEnv({ BIN, SOCK: dir.socket });
    const slots = semaphore(SPAWNING);

    // Each unit's client declares its dependencies, then blocks in `start` (without the "still
    // waiting" lines: on a loaded machine a client may wait past their 30 s, and stderr must be empty).
    const clients = dag.map((unit) => {
      const client = (async () => {
        await slots.acquire();
        let released = false;
        const release = () => {
          if (!released) slots.release();
          released = true;
        };
        try {
          const proc = Bun.spawn(
            [
              "sh",
              "-c",
              `"$BIN" exp sync want "$1" ${unit.deps.map((_, i) => `"$${i + 2}"`).join(" ")} --socket-path "$SOCK" && exec "$BIN" exp sync start "$1" --socket-path "$SOCK" --progress-interval 0`,
              "sh",
              unit.name,
              ...unit.deps,
            ],
            { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
          );
          let stdout = "";
          const decoder = new TextDecoder();
          const reading = (async () => {
            for await (const chunk of proc.stdout) {
              stdout += decoder.decode(chunk, { stream: true });
              if (stdout.includes("is waiting for dependencies")) release();
            }
          })();
          const [stderr, exitCode] = await Promise.all([
            new Response(proc.stderr).text(),
            proc.exited,
            reading,
          ]);
          return { stdout, stderr, exitCode };
        } finally {
          release();
        }
      })();
      return { unit, client };
    });

    // Every one of them blocked in the agent at the same time.
    await waitFor(
      `${UNITS} clients to be waiting`,
      async () => (await waiters(dir.socket)) === UNITS,
      50_000,
    );

    // One `complete` releases the cascade; each unit completes as soon as its `start` returns.
    expect((await sync(dir.socket, "start", GATE)).exitCode).toBe(0);
    expect((await sync(dir.socket, "complete", GATE)).exitCode).toBe(0);
    const completes = semaphore(SPAWNING);
    const outcomes = await Promise.all(
      clients.map(async ({ unit, client }) => {
        const started = await client;
        await completes.acquire();
        try {
          return { unit, started, completed: await sync(dir.socket, "complete", unit.name) };
        } finally {
          completes.release();
        }
      }),
    );

    for (const { unit, started, completed } of outcomes) {
      const sorted = [...unit.deps].sort().join(", ");
      expect({ unit: unit.name, ...started }).toEqual({
        unit: unit.name,
        stdout:
          `Unit "${unit.name}" declared dependencies: [${unit.deps.join(", ")}]\n` +
          `Unit "${unit.name}" is waiting for dependencies to be satisfied: [${sorted}]\n` +
          `Unit "${unit.name}" finished waiting for dependencies: [${sorted}]\n`,
        stderr: "",
        exitCode: 0,
      });
      expect({ unit: unit.name, ...completed }).toEqual({
        unit: unit.name,
        stdout: "Success\n",
        stderr: "",
        exitCode: 0,
      });
    }

    // The final state is the model's.
    const snapshot = (await (await fetch("http://unitsync/v1/snapshot", { unix: dir.socket })).json()) as {
      units: SnapshotUnit[];
    };
    const state = snapshot.units
      .map((unit) => ({ unit: unit.unit_name, status: unit.status, depends_on: [...unit.depends_on].sort() }))
      .sort((a, b) => (a.unit < b.unit ? -1 : 1));
    const model = [{ name: GATE, deps: [] as string[] }, ...dag]
      .map((unit) => ({ unit: unit.name, status: "completed", depends_on: [...unit.deps].sort() }))
      .sort((a, b) => (a.unit < b.unit ? -1 : 1));
    expect(state).toEqual(model);

    // And no unit started before every one of its dependencies had completed.
    const times = new Map(snapshot.units.map((unit) => [unit.unit_name, unit.times]));
    const early = dag.flatMap((unit) =>
      unit.deps
        .filter(
          (dep) =>
            Date.parse(times.get(unit.name)?.started_at ?? "") <
            Date.parse(times.get(dep)?.finished_at ?? ""),
        )
        .map((dep) => `${unit.name} started before ${dep} completed`),
    );
    expect(early).toEqual([]);
  }, 120_000);
});

// --- internal ---

interface SnapshotUnit {
  unit_name: string;
  status: string;
  depends_on: string[];
  times: { started_at?: string; finished_at?: string };
}

interface DagUnit {
  name: string;
  deps: string[];
}

/** Units that each depend on up to 3 earlier ones; those with none hang off the gate. */
function randomDag(count: number): DagUnit[] {
  const random = seededRandom(500);
  const name = (i: number) => `load.${String(i).padStart(3, "0")}`;
  return Array.from({ length: count }, (_, i) => {
    const deps = new Set<string>();
    const wanted = Math.floor(random() * 4);
    for (let k = 0; k < wanted && i > 0; k++) deps.add(name(Math.floor(random() * i)));
    return { name: name(i), deps: deps.size > 0 ? [...deps] : [GATE] };
  });
}

/** At most `limit` holders at once. */
function semaphore(limit: number): { acquire(): Promise<void>; release(): void } {
  let free = limit;
  const queue: (() => void)[] = [];
  return {
    acquire: async () => {
      if (free > 0) {
        free--;
        return;
      }
      await new Promise<void>((resolve) => queue.push(resolve));
    },
    release: () => {
      const next = queue.shift();
      if (next) next();
      else free++;
    },
  };
}
