/**
 * Signal numbers and names, for the exit status a shell reports (128 + n) and for messages. node:os
 * holds the table, and loading node:os costs a client call about 1 ms (docs/benchmarks.md), so the
 * client verbs load it only when a signal is involved.
 */

/** The number of a signal given by name (0 when unknown) or by number. */
export async function signalNumber(signal: string | number): Promise<number> {
  if (typeof signal === "number") return signal;
  return (await signalTable())[signal] ?? 0;
}

/** The name of a signal given by number (`signal N` when unknown) or by name. */
export async function signalName(signal: string | number): Promise<string> {
  if (typeof signal === "string") return signal;
  const entry = Object.entries(await signalTable()).find(([, number]) => number === signal);
  return entry ? entry[0] : `signal ${signal}`;
}

async function signalTable(): Promise<Record<string, number>> {
  const { constants } = await import("node:os");
  return constants.signals as Record<string, number>;
}
