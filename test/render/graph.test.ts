/**
 * The graph views (DOT, Mermaid, JSON) for a known graph whose names use the characters most
 * likely to break a format: quotes, backslashes, brackets, dots, slashes, hashes, angle brackets.
 * DOT is parsed with a small DOT reader (and, where Graphviz is installed, rendered by it);
 * Mermaid is checked line by line against the flowchart grammar used.
 */
import { describe, expect, test } from "bun:test";
import { renderDot } from "../../src/client/render/dot.ts";
import { graphJson } from "../../src/client/render/graph-json.ts";
import { renderMermaid } from "../../src/client/render/mermaid.ts";
import { STATE_STYLE } from "../../src/client/render/palette.ts";
import { missing } from "../_tools.ts";
import { snapshotOf } from "./_support.ts";

const WEIRD = 'we"ird\\name[1]';
const { units } = snapshotOf(1000, [
  { name: "git-clone", req: 0, start: 0, fin: 300 },
  { name: "ide.setup/vscode", deps: ["git-clone", WEIRD], req: 0 },
  { name: WEIRD, req: 0, start: 10 },
  { name: "db#<main>&co", status: "failed", reason: 'exit "2"', req: 0, start: 0, fin: 50 },
  { name: "app", deps: ["db#<main>&co", "missing.unit"], reg: 0 },
]);
const EXPECTED_EDGES = [
  ["db#<main>&co", "app"],
  ["missing.unit", "app"],
  ["git-clone", "ide.setup/vscode"],
  [WEIRD, "ide.setup/vscode"],
].sort();

describe("graph -o dot", () => {
  const dot = renderDot(units);
  const parsed = parseDot(dot);

  test("one node per name, labelled with name and state, coloured by state", () => {
    const byName = new Map(parsed.nodes.map((node) => [node.attrs.label?.split("\n")[0], node.attrs]));
    expect([...byName.keys()].sort()).toEqual(units.map((u) => u.unit_name).sort());
    for (const unit of units) {
      const attrs = byName.get(unit.unit_name) ?? {};
      const style = STATE_STYLE[unit.status];
      expect(attrs.label).toBe(`${unit.unit_name}\n${unit.status}`);
      expect(attrs).toMatchObject({ fillcolor: style.fill, color: style.stroke, fontcolor: style.text });
    }
    expect(byName.get("missing.unit")?.style).toBe("rounded,filled,dashed");
    expect(byName.get("git-clone")?.style).toBeUndefined();
    expect(byName.get("db#<main>&co")?.tooltip).toBe('failed: exit "2"');
  });

  test("an arrow from each dependency to the unit that waits for it", () => {
    const label = new Map(parsed.nodes.map((node) => [node.id, node.attrs.label?.split("\n")[0]]));
    const edges = parsed.edges.map(([from, to]) => [label.get(from), label.get(to)]);
    expect(edges.sort()).toEqual(EXPECTED_EDGES);
  });

  test.skipIf(missing("dot"))("renders with Graphviz", async () => {
    const proc = Bun.spawn(["dot", "-Tsvg"], { stdin: new Blob([dot]), stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ err, code }).toEqual({ err: "", code: 0 });
    expect(out).toContain("we&quot;ird\\name[1]");
  });
});

describe("graph -o mermaid", () => {
  const mermaid = renderMermaid(units);
  const lines = mermaid.split("\n");

  test("is a flowchart whose every line is a node, an edge, a class or a comment", () => {
    expect(lines[1]).toBe("flowchart LR");
    for (const line of lines) {
      const known = [
        /^%% [^\n]*$/,
        /^flowchart LR$/,
        /^ {2}n\d+\["[^"]*"\]$/,
        /^ {2}n\d+ --> n\d+$/,
        /^ {2}classDef [a-zA-Z]+ (fill|stroke|color|stroke-dasharray):[^;]+$/,
        /^ {2}class n\d+(,n\d+)* [a-zA-Z]+$/,
      ];
      expect({ line, ok: known.some((re) => re.test(line)) }).toEqual({ line, ok: true });
    }
  });

  test("labels hold each name (escaped as entities) and its state", () => {
    const labels = new Map<string, string>();
    for (const line of lines) {
      const m = /^ {2}(n\d+)\["([^"]*)"\]$/.exec(line);
      if (!m) continue;
      // Nothing in a label may end it or be read as markup, except the line break we put there.
      expect((m[2] as string).replace("<br/>", "")).not.toMatch(/["<>&`]/);
      const [name, state] = (m[2] as string).split("<br/>");
      labels.set(m[1] as string, `${decodeMermaid(name as string)}|${state}`);
    }
    expect([...labels.values()].sort()).toEqual(units.map((u) => `${u.unit_name}|${u.status}`).sort());
    const name = new Map([...labels].map(([id, text]) => [id, text.split("|")[0]]));
    const edges = lines
      .map((line) => /^ {2}(n\d+) --> (n\d+)$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => [name.get(m[1] as string), name.get(m[2] as string)]);
    expect(edges.sort()).toEqual(EXPECTED_EDGES);
  });

  test("one class per state present, with the state's colours; unregistered names dashed", () => {
    expect(lines).toContain(
      `  classDef notRegistered fill:${STATE_STYLE["not registered"].fill},stroke:${STATE_STYLE["not registered"].stroke},color:${STATE_STYLE["not registered"].text},stroke-dasharray:5 5`,
    );
    const classes = lines.filter((line) => line.startsWith("  class "));
    expect(classes.map((line) => line.split(" ").pop()).sort()).toEqual([
      "completed",
      "failed",
      "notRegistered",
      "pending",
      "started",
    ]);
  });
});

describe("graph -o json", () => {
  test("nodes with state, edges with satisfaction", () => {
    const json = graphJson(units);
    expect(json.nodes.find((n) => n.unit_name === "db#<main>&co")).toEqual({
      unit_name: "db#<main>&co",
      status: "failed",
      is_ready: true,
      reason: 'exit "2"',
    });
    expect(json.edges).toContainEqual({
      unit: "ide.setup/vscode",
      depends_on: "git-clone",
      is_satisfied: true,
    });
    expect(json.edges).toContainEqual({ unit: "ide.setup/vscode", depends_on: WEIRD, is_satisfied: false });
    expect(json.edges).toHaveLength(4);
  });
});

// --- internal ---

interface DotNode {
  id: string;
  attrs: Record<string, string>;
}

/**
 * Reads the subset of DOT the renderer writes: `digraph ID { ... }` with attribute statements,
 * node statements and edge statements; quoted strings with DOT's escapes. Throws on anything else.
 */
function parseDot(source: string): { nodes: DotNode[]; edges: [string, string][] } {
  const tokens: string[] = [];
  const re =
    /\s+|\/\/[^\n]*|"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?)|(->|[{}[\];,=])|(.)/gsy;
  for (let m = re.exec(source); m && m.index < source.length; m = re.exec(source)) {
    if (m[4] !== undefined) throw new Error(`DOT: unexpected ${JSON.stringify(m[4])} at ${m.index}`);
    if (m[1] !== undefined) tokens.push(`"${m[1]}`);
    else if (m[2] !== undefined || m[3] !== undefined) tokens.push((m[2] ?? m[3]) as string);
  }
  let i = 0;
  const take = (expected?: string) => {
    const token = tokens[i++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new Error(`DOT: expected ${expected ?? "a token"}, got ${token}`);
    }
    return token;
  };
  const value = (token: string) =>
    token.startsWith('"')
      ? token.slice(1).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))
      : token;
  const attrList = () => {
    const attrs: Record<string, string> = {};
    take("[");
    while (tokens[i] !== "]") {
      const key = take();
      take("=");
      attrs[key] = value(take());
      if (tokens[i] === ",") i++;
    }
    take("]");
    return attrs;
  };
  take("digraph");
  take();
  take("{");
  const nodes: DotNode[] = [];
  const edges: [string, string][] = [];
  while (tokens[i] !== "}") {
    const id = take();
    if (tokens[i] === "->") {
      i++;
      edges.push([id, take()]);
    } else if (["graph", "node", "edge"].includes(id)) attrList();
    else nodes.push({ id, attrs: tokens[i] === "[" ? attrList() : {} });
    take(";");
  }
  take("}");
  if (i !== tokens.length) throw new Error("DOT: content after the graph");
  const ids = new Set(nodes.map((node) => node.id));
  for (const [from, to] of edges) {
    if (!ids.has(from) || !ids.has(to)) throw new Error(`DOT: edge ${from} -> ${to} to an undeclared node`);
  }
  return { nodes, edges };
}

function decodeMermaid(text: string): string {
  return text.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
}
