/**
 * Test support for the view renderers: hand-built snapshots (times in milliseconds after a fixed
 * origin), and a small strict XML parser so the SVG is checked as XML, not matched as a string.
 */
import type { SnapshotResponse, SnapshotUnit } from "../../src/protocol/schemas.ts";

/** The fixed origin of hand-built snapshots. */
export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** One hand-built unit: times are offsets from T0 in milliseconds. */
export interface UnitSpec {
  name: string;
  status?: SnapshotUnit["status"];
  deps?: string[];
  reason?: string;
  reg?: number;
  req?: number;
  start?: number;
  fin?: number;
}

/** A snapshot taken at T0 + now; dependencies never described become "not registered" units. */
export function snapshotOf(now: number, specs: UnitSpec[]): SnapshotResponse {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(T0 + ms).toISOString());
  const status = new Map(specs.map((s) => [s.name, s.status ?? guessStatus(s)]));
  const names = new Set([...specs.map((s) => s.name), ...specs.flatMap((s) => s.deps ?? [])]);
  const units: SnapshotUnit[] = [...names].sort().map((name) => {
    const spec = specs.find((s) => s.name === name);
    if (!spec)
      return { unit_name: name, status: "not registered", is_ready: true, depends_on: [], times: {} };
    const times: SnapshotUnit["times"] = {};
    if (
      spec.reg !== undefined ||
      spec.req !== undefined ||
      spec.start !== undefined ||
      spec.fin !== undefined
    ) {
      times.registered_at = iso(
        spec.reg ??
          Math.min(...([spec.req, spec.start, spec.fin].filter((t) => t !== undefined) as number[])),
      );
    }
    if (spec.req !== undefined || spec.start !== undefined)
      times.start_requested_at = iso(spec.req ?? spec.start);
    if (spec.start !== undefined) times.started_at = iso(spec.start);
    if (spec.fin !== undefined) times.finished_at = iso(spec.fin);
    const unit: SnapshotUnit = {
      unit_name: name,
      status: status.get(name) as SnapshotUnit["status"],
      is_ready: (spec.deps ?? []).every((dep) => status.get(dep) === "completed"),
      depends_on: spec.deps ?? [],
      times,
    };
    if (spec.reason !== undefined) unit.reason = spec.reason;
    return unit;
  });
  return { now: new Date(T0 + now).toISOString(), units };
}

/** An XML element as parsed: attributes and text with entities decoded. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * Parses a whole XML document strictly (one root; every tag closed and nested properly; attribute
 * values quoted, not repeated, without `<`; only the five predefined and numeric entities; no
 * characters XML 1.0 forbids). Throws with the offset of the first problem.
 */
export function parseXml(source: string): XmlElement {
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`XML: ${why} at offset ${pos}: ${JSON.stringify(source.slice(pos, pos + 40))}`);
  };
  for (const char of source) {
    // XML 1.0's Char production; iterating by code point leaves a lone surrogate on its own.
    const c = char.codePointAt(0) as number;
    const ok =
      c === 9 ||
      c === 10 ||
      c === 13 ||
      (c >= 0x20 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      c >= 0x10000;
    if (!ok) fail(`forbidden character U+${c.toString(16)}`);
  }
  const skipMisc = () => {
    for (;;) {
      const ws = /^\s*/.exec(source.slice(pos)) as RegExpExecArray;
      pos += ws[0].length;
      if (source.startsWith("<!--", pos)) {
        const end = source.indexOf("-->", pos + 4);
        if (end < 0) fail("unclosed comment");
        if (source.slice(pos + 4, end).includes("--")) fail("'--' inside a comment");
        pos = end + 3;
      } else if (source.startsWith("<?", pos)) {
        const end = source.indexOf("?>", pos);
        if (end < 0) fail("unclosed processing instruction");
        pos = end + 2;
      } else return;
    }
  };
  const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
  const decode = (text: string): string =>
    text.replace(/&([^;]*);|&/g, (match, entity: string | undefined) => {
      if (entity === undefined) return fail("bare '&'");
      const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
      if (entity in named) return named[entity] as string;
      const num = /^#(\d+)$/.exec(entity) ?? /^#x([0-9a-fA-F]+)$/.exec(entity);
      if (!num) return fail(`unknown entity ${match}`);
      return String.fromCodePoint(Number.parseInt(num[1] as string, entity[1] === "x" ? 16 : 10));
    });
  const element = (): XmlElement => {
    if (source[pos] !== "<") fail("expected '<'");
    pos++;
    const name = NAME.exec(source.slice(pos))?.[0] ?? fail("bad tag name");
    pos += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: "" };
    for (;;) {
      const ws = /^\s*/.exec(source.slice(pos)) as RegExpExecArray;
      pos += ws[0].length;
      if (source.startsWith("/>", pos)) {
        pos += 2;
        return el;
      }
      if (source[pos] === ">") {
        pos++;
        break;
      }
      if (ws[0].length === 0) fail("expected whitespace before an attribute");
      const attr = NAME.exec(source.slice(pos))?.[0] ?? fail("bad attribute name");
      pos += attr.length;
      const value = /^\s*=\s*(["'])/.exec(source.slice(pos)) ?? fail('expected ="value"');
      pos += value[0].length;
      const end = source.indexOf(value[1] as string, pos);
      if (end < 0) fail("unclosed attribute value");
      const raw = source.slice(pos, end);
      if (raw.includes("<")) fail("'<' in an attribute value");
      if (attr in el.attrs) fail(`duplicate attribute ${attr}`);
      el.attrs[attr] = decode(raw);
      pos = end + 1;
    }
    for (;;) {
      const next = source.indexOf("<", pos);
      if (next < 0) fail(`unclosed <${name}>`);
      const text = source.slice(pos, next);
      if (text.includes("]]>")) fail("']]>' in text");
      el.text += decode(text);
      pos = next;
      if (source.startsWith("</", pos)) {
        pos += 2;
        if (!source.startsWith(name, pos)) fail(`expected </${name}>`);
        pos += name.length;
        const close = /^\s*>/.exec(source.slice(pos)) ?? fail("bad closing tag");
        pos += close[0].length;
        return el;
      }
      if (source.startsWith("<!--", pos)) {
        skipMisc();
        continue;
      }
      el.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (pos !== source.length) fail("content after the root element");
  return root;
}

/** Every element below (and including) `root`, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

/** Whether an element has a class in its `class` attribute. */
export function hasClass(el: XmlElement, name: string): boolean {
  return (el.attrs.class ?? "").split(/\s+/).includes(name);
}

// --- internal ---

function guessStatus(spec: UnitSpec): SnapshotUnit["status"] {
  if (spec.fin !== undefined) return "completed";
  if (spec.start !== undefined) return "started";
  return "pending";
}
