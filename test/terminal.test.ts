/**
 * Whether stdout or stderr is a terminal (src/lib/terminal.ts), as the waiting line, `status` and the
 * agent's log ask it: a pipe, a file and /dev/null are not; a pseudo-terminal is. Asked in a child
 * process, whose stderr the test chooses.
 */
import { expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempDir } from "./_helpers.ts";
import { onTerminal } from "./_pty.ts";
import { missing } from "./_tools.ts";

const TERMINAL = resolve(import.meta.dir, "../src/lib/terminal.ts");

/** A program that writes what its fd 2 is, asked both ways, into the file named by $OUT. */
function writeProbe(dir: string): string {
  const path = join(dir, "probe.ts");
  writeFileSync(
    path,
    `import { bindingIsatty, isTerminal } from ${JSON.stringify(TERMINAL)};
await Bun.write(process.env.OUT as string, JSON.stringify({ terminal: await isTerminal(2), binding: bindingIsatty(2) ?? null }));
`,
  );
  return path;
}

test("a pipe, /dev/null and a file are not terminals", () => {
  using dir = tempDir();
  const probe = writeProbe(dir.path);
  const file = openSync(join(dir.path, "log"), "w");
  try {
    for (const stderr of ["pipe", "ignore", file] as const) {
      const out = join(dir.path, `answer-${String(stderr)}`);
      const result = Bun.spawnSync([process.execPath, probe], { env: { ...process.env, OUT: out }, stderr });
      expect(result.exitCode).toBe(0);
      expect({ stderr, answer: JSON.parse(readFileSync(out, "utf8")) }).toEqual({
        stderr,
        answer: { terminal: false, binding: false },
      });
    }
  } finally {
    closeSync(file);
  }
});

test.skipIf(missing("script"))("a pseudo-terminal is one", async () => {
  using dir = tempDir();
  const probe = writeProbe(dir.path);
  const out = join(dir.path, "answer");
  expect(await onTerminal(`OUT='${out}' '${process.execPath}' '${probe}'`).exited).toBe(0);
  expect(JSON.parse(readFileSync(out, "utf8"))).toEqual({ terminal: true, binding: true });
});
