/**
 * The layers of docs/architecture.md, checked on the sources: a layer never imports from a layer
 * above or beside it, so the client never loads agent code (and its start-up cost) by accident.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "../src");

/** Every relative import of every module under `dir`, as paths relative to src/. */
function importsUnder(dir: string): { from: string; to: string }[] {
  const found: { from: string; to: string }[] = [];
  for (const entry of readdirSync(join(SRC, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*)"(\.[^"]+)"/g)) {
      found.push({
        from: relative(SRC, file),
        to: relative(SRC, resolve(dirname(file), match[1] as string)),
      });
    }
  }
  return found;
}

const below = (imports: { from: string; to: string }[], forbidden: string[]) =>
  imports.filter(({ to }) => forbidden.some((layer) => to === layer || to.startsWith(`${layer}/`)));

test("the client and the client verbs never import the agent", () => {
  const imports = [...importsUnder("client"), ...importsUnder("commands/sync")];
  expect(imports.length).toBeGreaterThan(10);
  expect(below(imports, ["agent", "commands/agent.ts"])).toEqual([]);
});

test("the agent never imports the client or the commands", () => {
  expect(below(importsUnder("agent"), ["client", "commands"])).toEqual([]);
});

test("lib, protocol and graph import nothing above them", () => {
  expect(below(importsUnder("lib"), ["agent", "client", "commands", "protocol", "graph"])).toEqual([]);
  expect(below(importsUnder("protocol"), ["agent", "client", "commands"])).toEqual([]);
  expect(below(importsUnder("graph"), ["agent", "client", "commands", "protocol", "lib"])).toEqual([]);
});
