/**
 * What a newcomer meets on a fresh clone with only Node: a test that needs a missing tool skips
 * with one line naming the tool and how to get it (and fails instead under UNITSYNC_REQUIRE_TOOLS=1,
 * as in CI), the docs' commands exist there, and the licence package.json names is in the tree.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { cleanEnv, tempDir } from "./_helpers.ts";
import { ROOT } from "./_release-fixture.ts";

async function runFixture(env: Record<string, string>) {
  using dir = tempDir();
  const tools = join(import.meta.dir, "_tools.ts");
  writeFileSync(
    join(dir.path, "fixture.test.ts"),
    `import { test } from "bun:test";\nimport { missing } from ${JSON.stringify(tools)};\n` +
      `test.skipIf(missing("shellcheck"))("one", () => {});\n` +
      `test.skipIf(missing("shellcheck"))("two", () => {});\n` +
      `test("unrelated", () => {});\n`,
  );
  // PATH has nothing on it: bun is named by its absolute path, and the fixture spawns nothing.
  const proc = Bun.spawn([process.execPath, "test", "./fixture.test.ts"], {
    cwd: dir.path,
    env: cleanEnv({ PATH: join(dir.path, "empty"), ...env }),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { output: stdout + stderr, exitCode };
}

describe("test/_tools.ts", () => {
  test("a missing tool skips its tests with one line saying how to install it", async () => {
    const { output, exitCode } = await runFixture({});
    expect(exitCode).toBe(0);
    const lines = output.split("\n").filter((line) => line.includes("shellcheck is not installed"));
    expect(lines).toEqual([
      "skip: shellcheck is not installed: the tests that need it are skipped (apt-get install shellcheck, or brew install shellcheck)",
    ]);
    expect(output).toMatch(/1 pass\s+2 skip\s+0 fail/);
  });

  test("UNITSYNC_REQUIRE_TOOLS=1 turns the skip into a failure naming the tool", async () => {
    const { output, exitCode } = await runFixture({ UNITSYNC_REQUIRE_TOOLS: "1" });
    expect(exitCode).toBe(1);
    expect(output).toContain("(fail) shellcheck is installed (UNITSYNC_REQUIRE_TOOLS=1)");
    expect(output).toContain("shellcheck is not installed and UNITSYNC_REQUIRE_TOOLS=1 requires it");
  });
});

describe("docs", () => {
  test("name only commands a fresh clone has: npm scripts, or Bun through npx", () => {
    const files = [
      "README.md",
      ...markdownUnder("docs"),
      ...markdownUnder("examples"),
      ...markdownUnder("integrations"),
    ];
    // `bun` is on PATH inside npm scripts only; a reader's shell has `npx bun`.
    const bare = files.flatMap((file) =>
      readFileSync(join(ROOT, file), "utf8")
        .split("\n")
        .map((line, i) => ({ where: `${file}:${i + 1}`, line }))
        .filter(({ line }) =>
          /(^|[\s`(;&|$])bunx? (run|test|build|install|x) /.test(line.replace(/npx bun/g, "")),
        )
        .map(({ where, line }) => `${where}: ${line.trim()}`),
    );
    expect(bare).toEqual([]);
  });

  test("the licence package.json names is the LICENSE file", () => {
    expect(pkg.license).toBe("MIT");
    const text = readFileSync(join(ROOT, "LICENSE"), "utf8");
    expect(text.split("\n").slice(0, 3)).toEqual([
      "MIT License",
      "",
      `Copyright (c) 2026 the unitsync authors`,
    ]);
  });
});

// --- internal ---

function markdownUnder(dir: string): string[] {
  try {
    return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".md"))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}
