/**
 * Runs the command in its arguments and prints its peak RSS in KiB. Bun's resourceUsage() reports
 * the largest of all the children a process has waited for, so the measuring process must have
 * exactly one child: this one. (The fallback when GNU time is not installed.)
 */
export {};

const proc = Bun.spawn(Bun.argv.slice(2), { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
await proc.exited;
console.log(Math.round((proc.resourceUsage()?.maxRSS ?? Number.NaN) / 1024));
