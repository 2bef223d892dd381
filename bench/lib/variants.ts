/**
 * Build variants of the binary for the call-cost comparison, compiled into bench/out/ with the same
 * compile options as build.ts (no .env or bunfig.toml autoload, no source map), plus the floor.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
/** Where benchmark binaries go (git-ignored). */
export const OUT_DIR = resolve(ROOT, "bench/out");
/** The release binary built by `npm run bench`'s build step. */
export const DIST_BIN = resolve(ROOT, "dist/unitsync");

/** One compiled binary and the options it was built with. */
export interface Variant {
  name: string;
  bin: string;
  options: string;
}

interface VariantOptions {
  minify: boolean;
  bytecode?: boolean;
  splitting?: boolean;
}

/** The unitsync variants compared (dist/unitsync itself is added by the caller). */
export const VARIANTS: Record<string, VariantOptions> = {
  plain: { minify: false },
  minify: { minify: true },
  "minify+bytecode": { minify: true, bytecode: true },
  "minify+splitting": { minify: true, splitting: true },
  "minify+splitting+bytecode": { minify: true, splitting: true, bytecode: true },
};

/** Compiles bench/floor.ts, a binary that does nothing, with the release compile options. */
export async function buildFloor(): Promise<Variant> {
  return compile("floor", resolve(ROOT, "bench/floor.ts"), { minify: true });
}

/** Compiles bench/floor-run.ts, which only runs its arguments as a command, like the floor. */
export async function buildRunFloor(): Promise<Variant> {
  return compile("floor-run", resolve(ROOT, "bench/floor-run.ts"), { minify: true });
}

/** Compiles bench/limit-ping.ts, the least a Bun binary can do to `ping` (see its header). */
export async function buildPingLimit(): Promise<Variant> {
  return compile("limit-ping", resolve(ROOT, "bench/limit-ping.ts"), {
    minify: true,
    splitting: true,
    bytecode: true,
  });
}

/** Compiles bench/limit-runner.ts, the least a Bun binary can do to run the template (see its header). */
export async function buildRunnerLimit(): Promise<Variant> {
  return compile("limit-runner", resolve(ROOT, "bench/limit-runner.ts"), {
    minify: true,
    splitting: true,
    bytecode: true,
  });
}

/** Compiles bench/limit-client.ts, the least a Bun binary does for want, start, complete and run (see its header). */
export async function buildClientLimit(): Promise<Variant> {
  return compile("limit-client", resolve(ROOT, "bench/limit-client.ts"), {
    minify: true,
    splitting: true,
    bytecode: true,
  });
}

/** Compiles src/main.ts with each of VARIANTS' option sets. */
export async function buildVariants(): Promise<Variant[]> {
  const built: Variant[] = [];
  for (const [name, options] of Object.entries(VARIANTS)) {
    built.push(await compile(`unitsync-${name}`, resolve(ROOT, "src/main.ts"), options));
  }
  return built;
}

// --- internal ---

async function compile(name: string, entry: string, options: VariantOptions): Promise<Variant> {
  mkdirSync(OUT_DIR, { recursive: true });
  const bin = resolve(OUT_DIR, name);
  const result = await Bun.build({
    entrypoints: [entry],
    compile: { outfile: bin, autoloadDotenv: false, autoloadBunfig: false },
    // Bytecode for ES modules needs an explicit format (it defaults to CommonJS, which has no top-level await).
    format: "esm",
    sourcemap: "none",
    minify: options.minify,
    bytecode: options.bytecode ?? false,
    splitting: options.splitting ?? false,
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build of ${name} failed`);
  }
  const described = Object.entries(options)
    .filter(([, on]) => on)
    .map(([key]) => key);
  return { name: name.replace(/^unitsync-/, ""), bin, options: described.join(", ") || "none" };
}
