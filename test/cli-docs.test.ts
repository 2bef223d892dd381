/**
 * docs/cli.md is generated from the command definitions (npm run docs): it must be up to date, and
 * each of its sections must be exactly what the compiled binary prints for `--help`.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CLI_DOCS_PATH, helpText, renderCliDocs } from "../docs/gen-cli.ts";
import root from "../src/commands/root.ts";
import { loadCommandTree, walk } from "../src/lib/cli/tree.ts";
import { run } from "./_helpers.ts";

describe("docs/cli.md", () => {
  test("is up to date with the command definitions (else run: npm run docs)", async () => {
    expect(readFileSync(CLI_DOCS_PATH, "utf8")).toBe(await renderCliDocs());
  });

  test("shows, for every command, what `unitsync <command> --help` prints", async () => {
    const docs = readFileSync(CLI_DOCS_PATH, "utf8");
    const nodes = [...walk(await loadCommandTree(root))].filter((node) => !node.sameAs);
    expect(nodes.length).toBeGreaterThan(10);
    const mismatches = await Promise.all(
      nodes.map(async (node) => {
        const { stdout, exitCode } = await run([...node.path.slice(1), "--help"]);
        const printed = stdout
          .split("\n")
          .map((line) => line.trimEnd())
          .join("\n")
          .trim();
        const documented = docs.includes(`## ${node.path.join(" ")}\n\n\`\`\`text\n${printed}\n\`\`\``);
        return exitCode === 0 && printed === (await helpText(node)) && documented
          ? []
          : [node.path.join(" ")];
      }),
    );
    expect(mismatches.flat()).toEqual([]);
  });
});
