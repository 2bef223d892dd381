import { FileType, isType } from "./file-info.ts";
import { fdInfo } from "./lstat.ts";

/**
 * Whether stdout (1) or stderr (2) is a terminal, asked without building `process.stdout` or
 * `process.stderr` or loading node:tty up front: each costs a Bun process several ms of CPU
 * (docs/benchmarks.md, "Touching process.stdout"). Only a character device can be a terminal,
 * which one fstat tells; a character device (a terminal, /dev/null) then asks isatty.
 */
export async function isTerminal(fd: 1 | 2): Promise<boolean> {
  const info = await fdInfo(fd);
  if (!info || !isType(info, FileType.char)) return false;
  return (await import("node:tty")).isatty(fd);
}
