/**
 * The compiled binary the end-to-end suites spawn, kept current: `npm test` builds it first, but a
 * plain `bun test` after an edit would otherwise test yesterday's binary. The first suite that
 * imports test/_helpers.ts rebuilds dist/unitsync when a source is newer (or it is missing).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

/** The compiled binary under test. */
export const BIN = join(ROOT, "dist/unitsync");

/** What the binary is built from: a change to any of them makes it stale. */
export const SOURCES = ["src", "build.ts", "package.json", "package-lock.json"].map((path) =>
  join(ROOT, path),
);

/** The first of `sources` (files, or directories searched through) changed after `binary` was built. */
export function newerSource(binary: string, sources: string[]): string | undefined {
  if (!existsSync(binary)) return binary;
  const built = statSync(binary).mtimeMs;
  const search = (path: string): string | undefined => {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) return undefined;
    if (!stats.isDirectory()) return stats.mtimeMs > built ? path : undefined;
    for (const entry of readdirSync(path)) {
      const found = search(join(path, entry));
      if (found) return found;
    }
    return undefined;
  };
  for (const source of sources) {
    const found = search(source);
    if (found) return found;
  }
  return undefined;
}

/**
 * The environment to build in: this one without NODE_ENV. `bun test` sets NODE_ENV=test, and
 * Bun.build inlines it, so consola in such a binary would think it runs under a test and drop
 * the agent's info lines.
 */
export function buildEnv(env: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (key !== "NODE_ENV" && value !== undefined) out[key] = value;
  return out;
}

/** Rebuilds dist/unitsync (`bun run build.ts`) when it is missing or older than a source; throws when the build fails. */
export function ensureFreshBinary(): void {
  const newer = newerSource(BIN, SOURCES);
  if (!newer) return;
  const why = newer === BIN ? "is missing" : `is older than ${newer.slice(ROOT.length + 1)}`;
  console.error(`dist/unitsync ${why}: building it (bun run build.ts)`);
  const built = Bun.spawnSync([process.execPath, "run", "build.ts"], {
    cwd: ROOT,
    env: buildEnv(),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (built.exitCode !== 0) {
    throw new Error(
      `dist/unitsync ${why} and rebuilding it failed (run npm run build):\n${built.stderr.toString()}${built.stdout.toString()}`,
    );
  }
}
