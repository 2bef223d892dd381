/**
 * The floor for `exp sync run`: a compiled Bun binary that runs its arguments as a command, with the
 * terminal's stdio, and exits with its status. Nothing a Bun-based `run` does can cost less.
 */
export {};

const child = Bun.spawn(process.argv.slice(2), { stdio: ["inherit", "inherit", "inherit"] });
process.exitCode = await child.exited;
