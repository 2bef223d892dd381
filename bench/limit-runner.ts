/**
 * The limit for a Bun-based script runner: a compiled binary that runs the template's DAG doing only
 * what `agent --scripts` cannot leave out. Each script is spawned as soon as its dependencies have
 * exited 0, with stdout and stderr piped and read to the end (the agent writes them to its logs),
 * and it exits once every script has. No socket, no graph, no headers to read (the DAG comes as
 * arguments), no logs, no summary, no forks ahead of time:
 *
 *   limit-runner DIR UNIT[=DEP,DEP...]...    runs DIR/UNIT for each UNIT
 *
 * Set beside `make -j` on the same scripts (bench/template.ts), it shows what the runtime itself
 * costs a runner: its start, its spawns, its exit notifications and its own exit.
 */
export {};

const [dir = ".", ...specs] = process.argv.slice(2);
const deps = new Map<string, string[]>();
for (const spec of specs) {
  const [unit = "", list = ""] = spec.split("=");
  deps.set(unit, list ? list.split(",") : []);
}
const started = new Set<string>();
const done = new Set<string>();
const all = Promise.withResolvers<void>();

function startReady(): void {
  for (const [unit, list] of deps) {
    if (started.has(unit) || !list.every((dep) => done.has(dep))) continue;
    started.add(unit);
    const proc = Bun.spawn([`${dir}/${unit}`], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const drained = Promise.all([new Response(proc.stdout).bytes(), new Response(proc.stderr).bytes()]);
    proc.exited.then((code) => {
      if (code !== 0) {
        console.error(`${unit} exited ${code}`);
        process.exit(1);
      }
      done.add(unit);
      startReady();
      if (done.size === deps.size) drained.then(() => all.resolve());
    });
  }
}

startReady();
await all.promise;
