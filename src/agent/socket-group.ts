import { readFileSync } from "node:fs";
import { usageError } from "../lib/errors.ts";

/**
 * The group of `--socket-group`: a numeric gid, or a group name looked up in /etc/group (then
 * through `getent`, which also asks NSS: LDAP, sssd). A usage error names what was not found.
 */
export function resolveGroup(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const gid = fromGroupFile(text) ?? fromGetent(text);
  if (gid === undefined) {
    throw usageError(
      `unknown group "${text}" for --socket-group`,
      "give a group name from /etc/group or a numeric gid",
    );
  }
  return gid;
}

// --- internal ---

function fromGroupFile(name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync("/etc/group", "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [group, , gid] = line.split(":");
    if (group === name && gid && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

function fromGetent(name: string): number | undefined {
  if (!Bun.which("getent")) return undefined;
  const result = Bun.spawnSync(["getent", "group", name], { stdout: "pipe", stderr: "ignore" });
  const gid = result.stdout.toString().split(":")[2];
  return result.exitCode === 0 && gid && /^\d+$/.test(gid) ? Number(gid) : undefined;
}
