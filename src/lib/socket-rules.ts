import { type FileInfo, FileType, isType } from "./file-info.ts";

/**
 * The rules for trusting a socket's directory, shared by the agent (before it binds) and the client
 * (before it believes an answer): whoever may change the directory may replace the socket with their
 * own and answer the clients in the agent's name. Pure, over st_mode and the owner, so the client
 * can check without loading node:fs (src/lib/lstat.ts).
 */

/** The sticky bit (as on /tmp): only a file's owner may remove or rename it. */
const STICKY = 0o1000;

/**
 * Why the socket's directory is unsafe to trust, or undefined when it is safe: it must be a real
 * directory (not a symbolic link) owned by one of `owners` (this user first; the client also
 * accepts root), and not writable by others unless sticky, since the sticky bit forbids removing
 * another user's file, which is enough.
 */
export function socketDirProblem(info: FileInfo, owners: readonly number[]): string | undefined {
  if (isType(info, FileType.symlink)) return "it is a symbolic link";
  if (!isType(info, FileType.directory)) return "it is not a directory";
  const problem = ownerProblem(info, owners);
  if (problem) return problem;
  if ((info.mode & 0o022) !== 0 && (info.mode & STICKY) === 0) {
    return `it is writable by other users (mode ${(info.mode & 0o777).toString(8).padStart(4, "0")}); use a private directory (chmod 700)`;
  }
  return undefined;
}

/** Why a file owned as `info` says is not to be trusted, or undefined when one of `owners` owns it. */
export function ownerProblem(info: FileInfo, owners: readonly number[]): string | undefined {
  const [uid] = owners;
  if (uid === undefined || owners.includes(info.uid)) return undefined;
  const others = owners.includes(0) && uid !== 0 ? " or root" : "";
  return `it is owned by uid ${info.uid}, not by this user (uid ${uid})${others}`;
}
