import { expect, test } from "bun:test";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildEnv, newerSource } from "./_binary.ts";
import { tempDir } from "./_helpers.ts";

// A plain `bun test` after an edit must not test a stale dist/unitsync: test/_helpers.ts rebuilds
// it when newerSource finds a source changed after the binary.
test("the binary under test counts as stale when it is missing or a source is newer", () => {
  using dir = tempDir();
  const binary = join(dir.path, "unitsync");
  const src = join(dir.path, "src");
  mkdirSync(join(src, "lib"), { recursive: true });
  const source = join(src, "lib", "a.ts");
  writeFileSync(source, "");
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);
  at(source, 1000);

  expect(newerSource(binary, [src])).toBe(binary);
  writeFileSync(binary, "");
  at(binary, 2000);
  expect(newerSource(binary, [src, join(dir.path, "absent.json")])).toBeUndefined();
  at(source, 3000);
  expect(newerSource(binary, [src])).toBe(source);
});

test("the binary is rebuilt without bun test's NODE_ENV=test, which the build would inline", () => {
  expect(buildEnv({ NODE_ENV: "test", PATH: "/bin" })).toEqual({ PATH: "/bin" });
});
