/**
 * Socket paths at the edge of what the OS allows: the agent binds any path clients can connect to
 * (its temporary name never makes the path longer than the user's), and errors name the user's
 * path, not a temporary one.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startAgent, sync, tempDir } from "../_helpers.ts";

/** The longest path `sun_path` holds (108 bytes on Linux, 104 elsewhere, with the NUL). */
const LIMIT = process.platform === "linux" ? 107 : 103;

describe("socket paths", () => {
  test.concurrent(`a ${LIMIT}-byte socket path with a long file name is bound and answers`, async () => {
    using dir = tempDir();
    const socket = join(dir.path, "s".repeat(LIMIT - dir.path.length - 1));
    expect(Buffer.byteLength(socket)).toBe(LIMIT);
    await using _agent = await startAgent(socket);
    expect(await sync(socket, "ping")).toEqual({ stdout: "Success\n", stderr: "", exitCode: 0 });
  });

  test.concurrent(`a ${LIMIT}-byte socket path in a long directory is bound and answers`, async () => {
    using dir = tempDir();
    const parent = join(dir.path, "d".repeat(LIMIT - dir.path.length - "/agent.sock".length - 1));
    mkdirSync(parent, { mode: 0o700 });
    const socket = join(parent, "agent.sock");
    expect(Buffer.byteLength(socket)).toBe(LIMIT);
    await using _agent = await startAgent(socket);
    expect(await sync(socket, "ping")).toEqual({ stdout: "Success\n", stderr: "", exitCode: 0 });
  });
});
