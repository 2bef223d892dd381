/**
 * `exp sync events`: the recorded history, `--follow` receiving events caused by other processes as
 * they happen, ending cleanly (exit 0) when the agent stops and on Ctrl-C, and `-o json` printing
 * exactly the lines of the agent's `--log-format json` log.
 */
import { describe, expect, test } from "bun:test";
import { BIN, cleanEnv, startAgent, sync, tempDir, waitFor } from "./_helpers.ts";

const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

/** `events --follow` running in the background, its output read as it comes. */
function follow(socket: string, ...args: string[]) {
  const proc = Bun.spawn([BIN, "exp", "sync", "events", "--follow", ...args, "--socket-path", socket], {
    env: cleanEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  let err = "";
  const drain = async (stream: ReadableStream<Uint8Array>, add: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const ended = Promise.all([
    drain(proc.stdout, (text) => {
      out += text;
    }),
    drain(proc.stderr, (text) => {
      err += text;
    }),
    proc.exited,
  ]).then(([, , code]) => ({ stdout: out, stderr: err, exitCode: code }));
  return { proc, stdout: () => out, ended };
}

describe("events", () => {
  test("without --follow prints the recorded history and exits", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db");
    await sync(dir.socket, "start", "db");
    const result = await sync(dir.socket, "events");
    expect(result.exitCode).toBe(0);
    expect(
      result.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.replace(new RegExp(`^${ISO}  `), "")),
    ).toEqual([
      'unit "app" registered',
      'unit "app" declared dependencies: [db]',
      'unit "db" registered',
      'unit "db" started',
    ]);
  });

  test("--follow shows other processes' changes live, and ends with exit 0 when the agent stops", async () => {
    using dir = tempDir();
    const agent = await startAgent(dir.socket);
    await using _agent = agent;
    await sync(dir.socket, "want", "ide-setup", "git-clone");
    const follower = follow(dir.socket);
    // The history arrives first: the follower is connected once it shows it.
    await waitFor(
      "the history",
      () => follower.stdout().includes('unit "ide-setup" declared dependencies'),
      20_000,
    );

    const waiting = sync(dir.socket, "start", "ide-setup");
    await waitFor(
      "the waiting event",
      () => follower.stdout().includes('unit "ide-setup" is waiting for: [git-clone]'),
      20_000,
    );
    expect((await sync(dir.socket, "start", "git-clone")).exitCode).toBe(0);
    expect((await sync(dir.socket, "complete", "git-clone")).exitCode).toBe(0);
    expect((await waiting).exitCode).toBe(0);
    expect((await sync(dir.socket, "fail", "ide-setup", "--reason", "exit status 3")).exitCode).toBe(0);
    await waitFor(
      "the failure",
      () => follower.stdout().includes('unit "ide-setup" failed: exit status 3'),
      20_000,
    );

    const lines = follower.stdout().trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(new RegExp(`^${ISO}  unit "`));
    expect(lines.map((line) => line.slice(26))).toEqual([
      'unit "ide-setup" registered',
      'unit "ide-setup" declared dependencies: [git-clone]',
      'unit "ide-setup" is waiting for: [git-clone]',
      'unit "git-clone" registered',
      'unit "git-clone" started',
      'unit "git-clone" completed',
      'unit "ide-setup" started',
      'unit "ide-setup" failed: exit status 3',
    ]);

    const stoppedAt = Date.now();
    agent.proc.kill("SIGTERM");
    const result = await follower.ended;
    // The agent ends follow streams itself: without that, its graceful stop would wait 2 s for them.
    expect(Date.now() - stoppedAt).toBeLessThan(1900);
    expect(result).toEqual({
      stdout: follower.stdout(),
      stderr: "the agent closed the event stream (it stopped)\n",
      exitCode: 0,
    });
    expect(await agent.proc.exited).toBe(0);
  });

  test("--follow ends with exit 0 on Ctrl-C (SIGINT), leaving the agent running", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "a", "b");
    const follower = follow(dir.socket, "-o", "json");
    await waitFor("the history", () => follower.stdout().includes('"dependencies_added"'), 20_000);
    follower.proc.kill("SIGINT");
    const result = await follower.ended;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(2);
    // The agent forgot the follower and still serves everyone else.
    expect((await sync(dir.socket, "start", "b")).exitCode).toBe(0);
    expect((await sync(dir.socket, "events", "-o", "json")).stdout.trimEnd().split("\n")).toHaveLength(4);
  });

  test("-o json lines are exactly the agent's --log-format json lines for the same events", async () => {
    using dir = tempDir();
    const agent = await startAgent(dir.socket, ["--log-format", "json"]);
    await using _agent = agent;
    const follower = follow(dir.socket, "-o", "json");
    await sync(dir.socket, "want", "web", "db", "cache");
    await sync(dir.socket, "start", "db");
    await sync(dir.socket, "complete", "db");
    await sync(dir.socket, "fail", "cache", "--reason", 'quote " and \\ backslash');
    await waitFor("the failure", () => follower.stdout().includes('"failed"'), 20_000);
    const logged = () =>
      agent
        .log()
        .split("\n")
        .filter((line) => line.includes('"seq"'));
    await waitFor(
      "the agent to log the failure",
      () => logged().some((line) => line.includes('"failed"')),
      20_000,
    );

    const followed = follower.stdout().trimEnd().split("\n");
    expect(followed).toEqual(logged());
    expect((await sync(dir.socket, "events", "-o", "json")).stdout.trimEnd().split("\n")).toEqual(logged());
    expect(JSON.parse(followed[followed.length - 1] as string)).toEqual({
      seq: 7,
      time: expect.stringMatching(new RegExp(`^${ISO}$`)),
      type: "failed",
      unit: "cache",
      reason: 'quote " and \\ backslash',
    });
    follower.proc.kill("SIGINT");
    expect((await follower.ended).exitCode).toBe(0);
  });

  test("without an agent: exit 3 naming the socket", async () => {
    using dir = tempDir();
    const result = await sync(dir.socket, "events", "--follow");
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`cannot reach the unitsync agent at ${dir.socket}`);
  });
});
