/**
 * One terminal session as a person has it: a pseudo-terminal and no NO_COLOR (every other suite
 * sets NO_COLOR=1, which would hide colour where it does not belong).
 */
import { describe, expect, test } from "bun:test";
import { BIN, startAgent, tempDir } from "./_helpers.ts";
import { onTerminal } from "./_pty.ts";
import { missing } from "./_tools.ts";

const ESC = "\x1b[";

describe.skipIf(missing("script"))("a terminal session without NO_COLOR", () => {
  test("info lines are plain, an error line is red and its hint plain; status shows its details", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const s = `--socket-path ${dir.socket}`;
    const terminal = onTerminal(
      [
        `${BIN} exp sync run r1 ${s} -- true`,
        `${BIN} exp sync status r1 ${s}`,
        `${BIN} exp sync ping --socket-path ${dir.path}/nobody.sock`,
      ].join("; "),
      { color: true },
    );
    expect(await terminal.exited).toBe(3);
    const screen = terminal.screen();
    // Not an error, so not painted: each line starts at the start of a terminal line.
    expect(screen).toStartWith('Unit "r1" started with no dependencies\r\nUnit "r1" completed\r\n');
    expect(screen).toMatch(/\r\nStarted: +\S+ \(/);
    // The error itself is red; the hint that follows is plain.
    expect(screen).toContain(`${ESC}31merror: cannot reach the unitsync agent at ${dir.path}/nobody.sock`);
    expect(screen).toContain(
      `\r\nhint: start one with: unitsync agent --socket-path ${dir.path}/nobody.sock\r\n`,
    );
    const painted = screen.split("\r\n").filter((line) => line.includes(ESC));
    expect(painted).toEqual([expect.stringContaining("error: cannot reach the unitsync agent")]);
  });
});
