import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
} from "node:fs";
import { basename, join, resolve } from "node:path";
import type { ScriptSource } from "./headers.ts";

/** How much of each script is read to find its header. */
export const HEAD_BYTES = 64 * 1024;

/** The scripts found, and what was skipped or wrong on the way. */
export interface Discovery {
  sources: ScriptSource[];
  /** Missing directories, files that cannot be run: nothing may run. */
  errors: string[];
  warnings: string[];
}

/**
 * Finds the scripts to run: every executable regular file in each directory (sorted by name), and
 * each file given on its own. Inside a directory, dotfiles and editor or package-manager leftovers
 * are skipped silently and non-executable files with a warning (like run-parts); a file given on
 * its own must be executable. A file reached twice (directory and --script) counts once.
 */
export function discoverScripts(dirs: readonly string[], files: readonly string[]): Discovery {
  const found: Discovery = { sources: [], errors: [], warnings: [] };
  const seen = new Set<string>();
  const add = (path: string) => {
    const real = realpathSync(path);
    if (seen.has(real)) return;
    seen.add(real);
    try {
      found.sources.push({ path, fileName: basename(path), head: readHead(path), realPath: real });
    } catch (error) {
      found.errors.push(`${path}: cannot read it: ${describe(error)}`);
    }
  };

  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (error) {
      found.errors.push(`${dir}: cannot read the scripts directory: ${describe(error)}`);
      continue;
    }
    for (const name of names) {
      if (isIgnoredName(name)) continue;
      const path = join(dir, name);
      const kind = fileKind(path);
      if (kind === "directory") continue;
      if (kind !== "executable") {
        found.warnings.push(`skipping ${path}: ${kind === "missing" ? "broken symbolic link" : kind}`);
        continue;
      }
      add(path);
    }
  }
  for (const file of files) {
    const path = resolve(file);
    const kind = fileKind(path);
    if (kind === "executable") add(path);
    else found.errors.push(`${file}: ${kind === "missing" ? "no such file" : kind}`);
  }
  return found;
}

/** Names never run from a scripts directory: hidden files and backup or package-manager leftovers. */
export function isIgnoredName(name: string): boolean {
  return (
    name.startsWith(".") ||
    name.endsWith("~") ||
    (name.startsWith("#") && name.endsWith("#")) ||
    IGNORED_SUFFIXES.some((suffix) => name.endsWith(suffix))
  );
}

// --- internal ---

const IGNORED_SUFFIXES = [
  ".bak",
  ".orig",
  ".rej",
  ".swp",
  ".swo",
  ".tmp",
  ".disabled",
  ".dpkg-old",
  ".dpkg-new",
  ".dpkg-dist",
  ".dpkg-tmp",
  ".rpmnew",
  ".rpmsave",
  ".rpmorig",
];

type FileKind = "executable" | "directory" | "missing" | "not executable" | "not a regular file";

function fileKind(path: string): FileKind {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    return "missing";
  }
  if (stats.isDirectory()) return "directory";
  if (!stats.isFile()) return "not a regular file";
  try {
    accessSync(path, constants.X_OK);
    return "executable";
  } catch {
    return "not executable";
  }
}

/** One buffer for every script's head: a zeroed 64 KiB each was 2 MB to clear for 30 scripts. */
let headBuffer: Buffer | undefined;

function readHead(path: string): string {
  const fd = openSync(path, "r");
  try {
    headBuffer ??= Buffer.allocUnsafe(HEAD_BYTES);
    const buffer = headBuffer;
    const length = readSync(fd, buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such directory";
  if (code === "ENOTDIR") return "not a directory";
  return (error as Error).message ?? String(error);
}
