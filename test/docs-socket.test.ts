/** docs/protocol.md's curl examples find the socket where the agent puts it. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultSocketPath } from "../src/lib/socket-path.ts";

const PROTOCOL = readFileSync(join(import.meta.dir, "../docs/protocol.md"), "utf8");

test("protocol.md's socket lines give the CLI's socket path, $XDG_RUNTIME_DIR included", () => {
  const lines = PROTOCOL.split("\n").filter((line) => line.startsWith("S="));
  expect(lines.length).toBeGreaterThan(0);
  const cases: Record<string, string>[] = [
    {},
    { XDG_RUNTIME_DIR: "/run/user/1000" },
    { XDG_RUNTIME_DIR: "/run/user/1000/" },
    { XDG_RUNTIME_DIR: "/run/user/1000", UNITSYNC_SOCKET_PATH: "/tmp/x/agent.sock" },
  ];
  for (const env of cases) {
    const result = Bun.spawnSync(["sh", "-c", `${lines.join("\n")}\nprintf %s "$S"`], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    });
    const expected = env.UNITSYNC_SOCKET_PATH ?? defaultSocketPath(env);
    expect({ env, socket: result.stdout.toString() }).toEqual({ env, socket: expected });
  }
});
