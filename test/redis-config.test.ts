/** `--store`, `--namespace` and the lease flags: parsed, defaulted, refused with one clear line. */
import { describe, expect, test } from "bun:test";
import { storeConfig } from "../src/agent/store/config.ts";
import { parseStoreUrl } from "../src/agent/store/url.ts";

describe("store URL", () => {
  test("TCP, with credentials and a database: the display never shows them", () => {
    expect(parseStoreUrl("redis://app:s3cr%40t@redis.internal:6380/2")).toEqual({
      display: "redis://redis.internal:6380/2",
      connectUrl: "redis://app:s3cr%40t@redis.internal:6380/2",
      tls: false,
      host: "redis.internal",
      port: 6380,
      user: "app",
      password: "s3cr@t",
      db: 2,
    });
    expect(parseStoreUrl("redis://10.0.0.5").display).toBe("redis://10.0.0.5:6379/0");
  });

  test("TLS", () => {
    const address = parseStoreUrl("rediss://:pw@cache.example.com:6390");
    expect(address).toMatchObject({
      display: "rediss://cache.example.com:6390/0",
      tls: true,
      password: "pw",
    });
  });

  test("a unix socket, with or without credentials", () => {
    expect(parseStoreUrl("redis+unix:///run/redis/redis.sock")).toEqual({
      display: "redis+unix:///run/redis/redis.sock",
      connectUrl: "redis+unix://localhost/run/redis/redis.sock",
      tls: false,
      unix: "/run/redis/redis.sock",
      db: 0,
    });
    expect(parseStoreUrl("unix://:pw@/run/r.sock?db=3")).toEqual({
      display: "redis+unix:///run/r.sock?db=3",
      connectUrl: "redis+unix://default:pw@localhost/run/r.sock",
      tls: false,
      unix: "/run/r.sock",
      password: "pw",
      db: 3,
    });
  });

  test.each([
    ["localhost:6379", "not a URL"],
    ["http://localhost", 'unknown scheme "http://"'],
    ["redis://localhost/x", 'database "x" is not a number'],
    ["redis://localhost?timeout=1", "no query or fragment is accepted"],
    ["redis+unix://relative.sock", "a unix socket URL needs an absolute path"],
  ])("refuses %p (%s), naming no credentials", (url, why) => {
    expect(() => parseStoreUrl(url)).toThrow(`invalid --store: ${why}`);
  });
});

describe("store flags", () => {
  test("none: the in-memory agent", () => {
    expect(storeConfig({}, {})).toBeUndefined();
  });

  test("defaults, and the environment", () => {
    expect(storeConfig({}, { UNITSYNC_STORE: "redis://h", UNITSYNC_NAMESPACE: "ws-42" })).toEqual({
      address: parseStoreUrl("redis://h"),
      namespace: "ws-42",
      leaseMs: 10_000,
      renewMs: 2000,
      timeoutMs: 2000,
    });
    expect(storeConfig({ store: "redis://h", namespace: "a" }, { UNITSYNC_NAMESPACE: "b" })?.namespace).toBe(
      "a",
    );
    expect(storeConfig({ store: "redis://h" }, {})?.namespace).toBe("default");
  });

  test.each([
    [{ namespace: "x" }, "--namespace needs --store (or UNITSYNC_STORE)"],
    [{ lease: "5s" }, "--lease needs --store (or UNITSYNC_STORE)"],
    [{ store: "redis://h", lease: "500ms" }, "--lease 500ms is too short; use at least 1s"],
    [
      { store: "redis://h", lease: "4s", "lease-renew": "3s" },
      "--lease-renew 3s must be more than 0 and at most half of --lease 4s",
    ],
    [{ store: "redis://h", namespace: "a b" }, 'invalid --namespace "a b"'],
    [{ store: "redis://h", lease: "soon" }, 'invalid duration "soon"'],
  ])("refuses flags, case %#", (flags, message) => {
    expect(() => storeConfig(flags, {})).toThrow(message);
  });
});
