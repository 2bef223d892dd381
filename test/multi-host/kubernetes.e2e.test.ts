/**
 * examples/kubernetes/pod.yaml, run for real without Kubernetes: each container's command runs as
 * its securityContext says (root, or uid 1000 with the pod's fsGroup as a supplementary group, through
 * setpriv), with the emptyDir volume as a temp dir that starts out the way kubelet makes it (2777,
 * group fsGroup). Needs root and setpriv; skipped with a line saying so otherwise.
 */
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { BIN, cleanEnv, waitFor } from "../_helpers.ts";

interface Container {
  name: string;
  command: string[];
  env?: { name: string; value: string }[];
  securityContext?: { runAsUser?: number; runAsGroup?: number };
}
interface Pod {
  spec: {
    securityContext: { fsGroup: number };
    volumes: { name: string; emptyDir: object }[];
    containers: Container[];
  };
}

const POD = Bun.YAML.parse(
  readFileSync(resolve(import.meta.dir, "../../examples/kubernetes/pod.yaml"), "utf8"),
) as Pod;
const cannot =
  process.getuid?.() !== 0 ? "not running as root" : !Bun.which("setpriv") ? "setpriv is missing" : "";
if (cannot) console.error(`skip: the Kubernetes example's test needs root and setpriv (${cannot})`);

describe.skipIf(cannot !== "")("examples/kubernetes/pod.yaml", () => {
  test("the dev container (uid 1000) waits for the root setup container through the root agent's socket", async () => {
    const root = mkdtempSync("/tmp/us-k8s-");
    chmodSync(root, 0o755);
    const procs: Bun.Subprocess[] = [];
    try {
      const fsGroup = POD.spec.securityContext.fsGroup;
      // The emptyDir as kubelet makes it with an fsGroup: world-writable, setgid, group fsGroup.
      const volume = join(root, "run-unitsync");
      mkdirSync(volume);
      chownSync(volume, 0, fsGroup);
      chmodSync(volume, 0o2777);
      const bin = join(root, "bin");
      mkdirSync(bin, { mode: 0o755 });
      symlinkSync(BIN, join(bin, "unitsync"));
      const container = (name: string) => POD.spec.containers.find((c) => c.name === name) as Container;
      const spawn = (c: Container) => {
        const argv = c.command.map((arg) => arg.replaceAll("/run/unitsync", volume));
        const uid = c.securityContext?.runAsUser;
        const setpriv =
          uid === undefined
            ? []
            : [
                "setpriv",
                `--reuid=${uid}`,
                `--regid=${c.securityContext?.runAsGroup ?? uid}`,
                `--groups=${fsGroup}`,
              ];
        const env = Object.fromEntries(
          (c.env ?? []).map(({ name, value }) => [name, value.replaceAll("/run/unitsync", volume)]),
        );
        const proc = Bun.spawn([...setpriv, ...argv], {
          env: cleanEnv({ ...env, HOME: "/tmp", PATH: `${bin}:${process.env.PATH}` }),
          cwd: "/tmp",
          stdin: "ignore",
          stdout: "pipe",
          stderr: "pipe",
        });
        procs.push(proc);
        return proc;
      };
      // Containers start in any order: the dev container first, the agent last.
      const dev = spawn(container("dev"));
      spawn(container("setup"));
      spawn(container("agent"));
      const [stdout, stderr, code] = await Promise.all([
        new Response(dev.stdout).text(),
        new Response(dev.stderr).text(),
        dev.exited,
      ]);
      expect({ code, stdout }).toEqual({
        code: 0,
        stdout: "workspace prepared by 0\nIDE starting as 1000\n",
      });
      // Waiting or not depends on which container got there first; the dependency was met either way.
      expect(stderr).toMatch(/dependencies[^\n]*: \[workspace\.setup\]\n(.*\n)?Unit "dev\.ide" completed\n$/);
      const stats = statSync(volume);
      expect({ mode: stats.mode & 0o7777, gid: stats.gid }).toEqual({ mode: 0o2750, gid: fsGroup });
      await waitFor(
        "the socket to be 0660 in the group",
        () => (statSync(join(volume, "agent.sock")).mode & 0o777) === 0o660,
      );
    } finally {
      for (const proc of procs) proc.kill("SIGTERM");
      await Promise.all(procs.map((proc) => proc.exited));
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});
