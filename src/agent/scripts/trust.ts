import { realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Why running the script at `path` would let someone else choose what the agent runs, or undefined
 * when it is safe: the file (after symbolic links) must be owned by this user or root and not
 * writable by everyone, and its directory too, unless the directory is sticky (as /tmp: then
 * nobody may replace another user's file in it).
 */
export function scriptTrustProblem(
  path: string,
  uid = process.getuid?.(),
  /** `path` with its symbolic links resolved, when the caller has it already. */
  resolved?: string,
): string | undefined {
  if (uid === undefined) return undefined;
  const real = resolved ?? realpathSync(path);
  const file = statSync(real);
  const owners = [uid, 0];
  if (!owners.includes(file.uid))
    return `it is owned by uid ${file.uid}, not by this user (uid ${uid}) or root`;
  if ((file.mode & WORLD_WRITABLE) !== 0) return `it is writable by every user (mode ${octal(file.mode)})`;
  const dir = dirname(real);
  const parent = statSync(dir);
  if (!owners.includes(parent.uid))
    return `its directory ${dir} is owned by uid ${parent.uid}, not by this user (uid ${uid}) or root`;
  if ((parent.mode & WORLD_WRITABLE) !== 0 && (parent.mode & STICKY) === 0)
    return `its directory ${dir} is writable by every user (mode ${octal(parent.mode)})`;
  return undefined;
}

// --- internal ---

const WORLD_WRITABLE = 0o002;
const STICKY = 0o1000;

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}
