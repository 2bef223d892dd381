import { describe, expect, test } from "bun:test";
import { startAgent, sync, tempDir } from "./_helpers.ts";

describe("exp sync against a running agent", () => {
  test("ping answers Success", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect(await sync(dir.socket, "ping")).toEqual({ stdout: "Success\n", stderr: "", exitCode: 0 });
  });
});
