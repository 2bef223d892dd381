/**
 * Writes a line for a person to stderr, as it is. console.error paints every line red on a
 * terminal (Bun does), and an info line such as `Unit "r1" completed` is not an error; touching
 * process.stderr costs start-up time (docs/benchmarks.md, "Touching process.stdout"). Only the
 * error sink (src/lib/cli/run.ts) prints with console.error: there the red means something.
 * Lines from both keep their order (one file descriptor, written synchronously).
 */
export function printLine(line: string): void {
  sink ??= Bun.stderr.writer();
  sink.write(`${line}\n`);
  sink.flush();
}

// --- internal ---

let sink: ReturnType<typeof Bun.stderr.writer> | undefined;
