/**
 * Section 5, failure fan-out: runs bench/fail-fanout.ts (the issue-3 benchmark: from `fail` of a
 * chain's root to the last of 50 waiting `start` clients exiting with code 4) and reports its output.
 */
import { resolve } from "node:path";
import { benchEnv } from "./lib/proc.ts";
import { type Headline, progress, type SectionResult } from "./lib/report.ts";

/** Runs bench/fail-fanout.ts with `rounds` rounds against `bin`. */
export async function failFanout({ bin, rounds }: { bin: string; rounds: number }): Promise<SectionResult> {
  progress(`fail fan-out: ${rounds} rounds (bench/fail-fanout.ts)`);
  const script = resolve(import.meta.dir, "fail-fanout.ts");
  const proc = Bun.spawn([process.execPath, script, "--rounds", String(rounds), "--bin", bin], {
    env: benchEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`bench/fail-fanout.ts exited ${code}:\n${stdout}${stderr}`);
  const median = (label: RegExp) => label.exec(stdout)?.[1] ?? "n/a";
  const headlines: Headline[] = [
    {
      figure:
        "fail fan-out: `fail` of a chain's root -> the last of 50 waiting `start` clients exited (code 4)",
      value: `${median(/`exp sync fail` run\s+-> .*median ([\d.]+ ms)/)} with the \`fail\` command; ${median(/POST \/v1\/fail sent\s+-> .*median ([\d.]+ ms)/)} from the request`,
      target: "(no target)",
      baseline: "-",
      met: undefined,
    },
  ];
  const markdown = [
    "## 5. Failure fan-out",
    "",
    `bench/fail-fanout.ts, ${rounds} rounds: each trial declares \`app -> migrate -> root\` and 50 units depending on`,
    "`app`, blocks one `start` process per unit, then fails `root`, once with the `exp sync fail` command and once",
    "with a request straight to the socket, and times until the last client has exited.",
    "",
    "```",
    stdout.trim(),
    "```",
  ].join("\n");
  return { headlines, markdown };
}
