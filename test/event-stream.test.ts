/**
 * GET /v1/events in-process: history then live events with no gap, the subscriber dropped when the
 * client goes away, every follow ended when the agent stops, and a follower that never reads cut
 * off instead of growing the agent's memory.
 */
import { describe, expect, test } from "bun:test";
import { eventStream, MAX_FOLLOWER_BACKLOG } from "../src/agent/event-stream.ts";
import { EventLog } from "../src/agent/events.ts";

const url = "http://agent/v1/events";

async function readLines(
  reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> },
  count: number,
): Promise<string[]> {
  const lines: string[] = [];
  let buffered = "";
  while (lines.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += new TextDecoder().decode(value);
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
  }
  return lines;
}

describe("GET /v1/events", () => {
  test("without follow: the kept history after `since`, as NDJSON", async () => {
    const log = new EventLog();
    log.record([
      { type: "registered", unit: "a", at: 0 },
      { type: "started", unit: "a", at: 1 },
    ]);
    const all = await eventStream(new Request(url), log).text();
    expect(
      all
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line).seq),
    ).toEqual([1, 2]);
    expect(await eventStream(new Request(`${url}?since=1`), log).text()).toBe(
      '{"seq":2,"time":"1970-01-01T00:00:00.001Z","type":"started","unit":"a"}\n',
    );
    expect(() => eventStream(new Request(`${url}?since=x`), log)).toThrow("invalid since=x");
    expect(() => eventStream(new Request(`${url}?follow=maybe`), log)).toThrow("invalid follow=maybe");
  });

  test("follow: history, then live events; the subscriber is dropped when the client goes away", async () => {
    const log = new EventLog();
    log.record([{ type: "registered", unit: "a", at: 0 }]);
    const client = new AbortController();
    const res = eventStream(new Request(`${url}?follow=1`, { signal: client.signal }), log);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(log.subscribers).toBe(1);
    log.record([{ type: "completed", unit: "a", at: 5 }]);
    const lines = await readLines(reader, 2);
    expect(lines.map((line) => JSON.parse(line).type)).toEqual(["registered", "completed"]);
    client.abort();
    expect(log.subscribers).toBe(0);
  });

  test("follow: the stream ends when the log closes (the agent stops)", async () => {
    const log = new EventLog();
    const res = eventStream(new Request(`${url}?follow=1`), log);
    const text = res.text();
    log.record([{ type: "registered", unit: "a", at: 0 }]);
    log.close();
    expect(await text).toBe('{"seq":1,"time":"1970-01-01T00:00:00.000Z","type":"registered","unit":"a"}\n');
    expect(log.subscribers).toBe(0);
    // Asked after the stop: the history, then the end at once.
    expect(await eventStream(new Request(`${url}?follow=1`), log).text()).toContain('"seq":1');
  });

  test("follow: a client that never reads is cut off past the backlog bound", async () => {
    const log = new EventLog();
    const res = eventStream(new Request(`${url}?follow=1`), log);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (let i = 0; i < MAX_FOLLOWER_BACKLOG + 5; i++)
      log.record([{ type: "registered", unit: `u${i}`, at: i }]);
    expect(log.subscribers).toBe(0);
    let count = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) count++;
    expect(count).toBeGreaterThanOrEqual(MAX_FOLLOWER_BACKLOG);
    expect(count).toBeLessThanOrEqual(MAX_FOLLOWER_BACKLOG + 2);
  });
});
