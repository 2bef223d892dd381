import { FileType, isType } from "./file-info.ts";
import { fdInfo } from "./lstat.ts";

/**
 * Whether stdout (1) or stderr (2) is a terminal, asked without building `process.stdout` or
 * `process.stderr` or loading node:tty: each costs a Bun process several ms of CPU (node:tty loads
 * Node's streams; docs/benchmarks.md, "Touching process.stdout"). The runtime's own tty binding
 * answers where it has one; elsewhere only a character device can be a terminal, which one fstat
 * tells, and a character device (a terminal, /dev/null) then asks node:tty.
 */
export async function isTerminal(fd: 1 | 2): Promise<boolean> {
  const answer = bindingIsatty(fd);
  if (answer !== undefined) return answer;
  const info = await fdInfo(fd);
  if (!info || !isType(info, FileType.char)) return false;
  return (await import("node:tty")).isatty(fd);
}

/**
 * isatty(fd) through the runtime's tty binding (`process.binding("tty_wrap")`, what node:tty's own
 * isatty calls; 0.03 ms against ~5 ms for loading node:tty), or undefined where there is none.
 */
export function bindingIsatty(fd: number): boolean | undefined {
  try {
    const binding = (
      process as unknown as { binding(name: string): { isTTY?: (fd: number) => unknown } }
    ).binding("tty_wrap");
    return typeof binding.isTTY === "function" ? binding.isTTY(fd) === true : undefined;
  } catch {
    return undefined;
  }
}
