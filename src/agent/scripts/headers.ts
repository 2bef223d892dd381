import { compareNames, Graph, GraphError } from "../../graph/index.ts";
import { nameProblem } from "../../graph/names.ts";
import { parseDuration } from "../../lib/duration.ts";
import { PROBE_DEFAULTS, type ProbeSpec, type ProbeTiming, parseProbe } from "../../lib/probe.ts";

/**
 * Startup-script headers, modelled on LSB init-script headers: `# unitsync: key=value[,value]`
 * lines in the script's leading comment block. Pure: text in, a plan or a list of problems out.
 */

/** The header keys a script may use. */
export const HEADER_KEYS = [
  "unit",
  "want",
  "want-started",
  "target",
  "before",
  "ready",
  "ready-timeout",
  "ready-interval",
  "may-exit",
] as const;

/**
 * A script that keeps running (a database, a dev server): its unit completes when it is ready,
 * not when it exits. Declared by `# unitsync: ready=<probe>` or `ready=notify`.
 */
export interface ServiceHeader {
  /** The check that says it is ready; absent (`ready=notify`): the script completes its unit itself. */
  probe?: ProbeSpec;
  /** `ready-interval=`, `ready-timeout=` (default 5m, 0 waits forever), and the per-check deadline. */
  timing: ProbeTiming;
  /**
   * `may-exit`: its exit is not the end of the service. Exit 0 before it is ready leaves readiness
   * to the probe (a script that starts a daemon and returns); an exit after it is ready is only
   * logged, and in entrypoint mode does not stop the main command.
   */
  mayExit: boolean;
}

/** What one script's header says. */
export interface ScriptHeader {
  /** The unit name it declares (`unit=`); absent means "named after the file". */
  unit?: string;
  /** The units it waits for (`want=`, repeatable, comma-separated), in order, without duplicates. */
  wants: string[];
  /** Present when the script is a service (`ready=`). */
  service?: ServiceHeader;
  /** The units it waits only to have started (`want-started=`), likewise; absent when none. */
  wantsStarted?: string[];
  /** The targets it is a member of (`target=`): each completes once all its member scripts have. */
  targets?: string[];
  /** `before=*`: every other unit waits for this one. */
  beforeAll?: true;
}

/** A problem found on one line of a script (1-based line number; 0 for the file as a whole). */
export interface LineProblem {
  line: number;
  message: string;
}

/** The outcome of reading one script's header. */
export interface ParsedHeader {
  header: ScriptHeader;
  errors: LineProblem[];
  warnings: LineProblem[];
}

/** A script file as found on disk: its path, file name and first bytes decoded as text. */
export interface ScriptSource {
  path: string;
  fileName: string;
  head: string;
  /** The file the path leads to, symbolic links resolved, when discovery resolved it. */
  realPath?: string;
}

/** A script ready to run: the unit it provides and the units it waits for. */
export interface PlannedScript {
  path: string;
  unit: string;
  wants: string[];
  /** Present when the script is a service: it keeps running and its unit completes when it is ready. */
  service?: ServiceHeader;
  /** Units it waits only to have started; absent when none. */
  wantsStarted?: string[];
  /** Targets it is a member of; absent when none. */
  targets?: string[];
  /** Every other unit depends on it (`before=*`). */
  beforeAll?: true;
}

/** The scripts to run (sorted by unit), or the reasons not to run any. */
export interface ScriptPlan {
  scripts: PlannedScript[];
  /** Each `<path>[:<line>]: <message>`; any error means nothing may run. */
  errors: string[];
  warnings: string[];
}

/** Extensions dropped from a file name to name its unit (`git-clone.sh` is unit `git-clone`). */
export const SCRIPT_EXTENSIONS = [
  "sh",
  "bash",
  "zsh",
  "ksh",
  "dash",
  "fish",
  "py",
  "rb",
  "pl",
  "js",
  "mjs",
  "cjs",
  "ts",
  "php",
  "lua",
  "tcl",
  "nu",
];

/**
 * The unit a file provides when its header does not say: the file name without a script extension.
 * Only known script extensions are dropped, so `myorg.ide-setup` stays `myorg.ide-setup` (the spec
 * recommends dotted `<module>.<name>` unit names).
 */
export function unitNameFromFile(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  if (dot <= 0) return fileName;
  return SCRIPT_EXTENSIONS.includes(fileName.slice(dot + 1).toLowerCase())
    ? fileName.slice(0, dot)
    : fileName;
}

/**
 * Reads the `# unitsync:` lines of a script's leading comment block: the lines from the top (after
 * an optional `#!` line) that are blank or start with `#`. The block ends at the first other line;
 * `# unitsync:` lines after it are ignored with a warning, since they most likely were meant to count.
 */
export function parseHeader(text: string): ParsedHeader {
  const header: ScriptHeader = { wants: [] };
  const errors: LineProblem[] = [];
  const warnings: LineProblem[] = [];
  const lines = text.split("\n");
  const service: ServiceLines = {};
  let inBlock = true;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] as string;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const number = index + 1;
    if (inBlock && !(line.trim() === "" || line.startsWith("#"))) inBlock = false;
    const body = headerBody(line);
    if (body === undefined) continue;
    service.line = number;
    if (!inBlock) {
      warnings.push({
        line: number,
        message: "`# unitsync:` line after the leading comment block is ignored; move it to the top",
      });
      continue;
    }
    const problem = applyLine(header, body.trim(), service);
    if (problem) errors.push({ line: number, message: problem });
  }
  const problem = finishService(header, service);
  if (problem) errors.push({ line: service.firstLine ?? 0, message: problem });
  return { header, errors, warnings };
}

/**
 * Turns the scripts found into a plan, or reports every mistake before anything runs: header
 * syntax, invalid or duplicate unit names, a file that cannot be executed directly, a `want` on a
 * unit no script provides (nothing would ever complete it), and cycles among the scripts. With
 * `shared` (the graph is shared with other agents through a store) a unit no script here provides
 * may be provided by another host's scripts, so such a `want` is allowed. `beforeAll` (the agent's
 * `--before-all` units) marks the scripts of those units before-all, as `before=*` would.
 */
export function planScripts(
  sources: readonly ScriptSource[],
  { shared = false, beforeAll = [] as readonly string[] } = {},
): ScriptPlan {
  const errors: string[] = [];
  const warnings: string[] = [];
  const scripts: PlannedScript[] = [];
  const byUnit = new Map<string, string>();

  for (const source of sources) {
    const at = (line: number) => (line > 0 ? `${source.path}:${line}` : source.path);
    if (!source.head.startsWith("#!") && !source.head.startsWith("\x7fELF")) {
      errors.push(`${source.path}: no "#!" line, so it cannot be run directly; add one, e.g. #!/bin/sh`);
    }
    const parsed = parseHeader(source.head);
    for (const problem of parsed.errors) errors.push(`${at(problem.line)}: ${problem.message}`);
    for (const problem of parsed.warnings) warnings.push(`${at(problem.line)}: ${problem.message}`);
    if (parsed.errors.length > 0) continue;

    const unit = parsed.header.unit ?? unitNameFromFile(source.fileName);
    const problem = nameProblem(unit);
    if (problem) {
      const fix =
        parsed.header.unit === undefined ? '; name the unit with a "# unitsync: unit=NAME" line' : "";
      errors.push(`${source.path}: ${problem}${fix}`);
      continue;
    }
    const other = byUnit.get(unit);
    if (other !== undefined) {
      errors.push(
        `${source.path}: unit "${unit}" is already provided by ${other}; unit names must be unique`,
      );
      continue;
    }
    byUnit.set(unit, source.path);
    // `agent --before-all UNIT` naming a script's unit counts as that script's `before=*`.
    const first = beforeAll.includes(unit) ? { beforeAll: true as const } : {};
    scripts.push({ path: source.path, unit, ...parsed.header, ...first });
  }

  const targets = new Set(scripts.flatMap((script) => script.targets ?? []));
  for (const script of scripts) {
    for (const target of script.targets ?? []) {
      const other = byUnit.get(target);
      if (other !== undefined) {
        errors.push(
          `${script.path}: target "${target}" is also the unit of ${other}; a target has no script`,
        );
      }
    }
    for (const want of [...script.wants, ...(script.wantsStarted ?? [])]) {
      if (!shared && !byUnit.has(want) && !targets.has(want)) {
        errors.push(
          `${script.path}: wants "${want}", which no script provides, so "${script.unit}" could never run`,
        );
      }
    }
    for (const want of script.wantsStarted ?? []) {
      if (script.wants.includes(want)) {
        errors.push(`${script.path}: "${want}" is in both want= and want-started=; choose one`);
      }
    }
  }
  errors.push(...cycles(scripts));
  scripts.sort((a, b) => compareNames(a.unit, b.unit));
  return { scripts: errors.length > 0 ? [] : scripts, errors, warnings };
}

/**
 * What follows `# unitsync:` on a header line (`#`, optional spaces, `unitsync`, optional spaces,
 * `:`), or undefined on any other line: /^#\s*unitsync\s*:(.*)$/ read with string operations.
 * A one-shot `agent --scripts` reads every script's header before its first script starts, and
 * the first regular expression a process runs costs it ~0.7 ms (JavaScriptCore sets up its JIT
 * for it; docs/benchmarks.md).
 */
export function headerBody(line: string): string | undefined {
  if (line[0] !== "#") return undefined;
  let at = skipSpaces(line, 1);
  if (!line.startsWith("unitsync", at)) return undefined;
  at = skipSpaces(line, at + "unitsync".length);
  if (line[at] !== ":") return undefined;
  const body = line.slice(at + 1);
  // `.` matches no line terminator: with one inside (a lone \r, U+2028, U+2029) it is no header line.
  for (const terminator of ["\r", "\u2028", "\u2029"]) if (body.includes(terminator)) return undefined;
  return body;
}

// --- internal ---

/** The index of the first character at or after `at` that `\s` does not match. */
function skipSpaces(text: string, at: number): number {
  // trim() removes exactly what \s matches: white space and line terminators.
  while (at < text.length && (text[at] as string).trim() === "") at++;
  return at;
}

/** The service keys seen so far, kept raw until the whole header is read. */
interface ServiceLines {
  /** The line being read (for the next key's `firstLine`). */
  line?: number;
  /** The first service line, where a problem with the keys as a whole is reported. */
  firstLine?: number;
  ready?: string;
  timeout?: string;
  interval?: string;
  mayExit?: boolean;
}

/** The service keys; `ready` values are probes, which may hold commas, so they are not split. */
const SERVICE_KEYS = new Set(["ready", "ready-timeout", "ready-interval", "may-exit"]);

/** Applies one `key=value[,value]` to the header; returns what is wrong with it, if anything. */
function applyLine(header: ScriptHeader, body: string, service: ServiceLines): string | undefined {
  const eq = body.indexOf("=");
  const bare = body.trim();
  if (eq === -1 && bare === "may-exit") return applyServiceLine("may-exit", "true", service);
  if (eq === -1) return `expected "key=value" after "# unitsync:", got ${JSON.stringify(body)}`;
  const key = body.slice(0, eq).trim();
  if (SERVICE_KEYS.has(key)) return applyServiceLine(key, body.slice(eq + 1).trim(), service);
  const values = body
    .slice(eq + 1)
    .split(",")
    .map((value) => value.trim());
  if (!(HEADER_KEYS as readonly string[]).includes(key)) {
    return `unknown key ${JSON.stringify(key)}; the keys are ${HEADER_KEYS.join(", ")}`;
  }
  if (values.some((value) => value === "")) return `empty value in ${JSON.stringify(body)}`;
  for (const value of values) {
    const problem = key === "before" ? undefined : nameProblem(value);
    if (problem) return problem;
  }
  if (key === "unit") {
    if (values.length > 1) return `"unit" takes one name, got ${values.length}`;
    if (header.unit !== undefined) return `"unit" is given twice (first as "${header.unit}")`;
    header.unit = values[0];
    return undefined;
  }
  if (key === "before") {
    // Only "*" for now: "before everything". Naming the units it runs before is what their own
    // want= lines are for.
    if (values.length !== 1 || values[0] !== "*") return `"before" takes only "*" (before every other unit)`;
    header.beforeAll = true;
    return undefined;
  }
  if (key === "want-started") header.wantsStarted ??= [];
  if (key === "target") header.targets ??= [];
  const list =
    (key === "want" ? header.wants : key === "want-started" ? header.wantsStarted : header.targets) ?? [];
  for (const value of values) if (!list.includes(value)) list.push(value);
  return undefined;
}

function applyServiceLine(key: string, value: string, service: ServiceLines): string | undefined {
  service.firstLine ??= service.line;
  if (value === "") return `empty value for "${key}"`;
  const field = ({ ready: "ready", "ready-timeout": "timeout", "ready-interval": "interval" } as const)[
    key as "ready"
  ];
  if (key === "may-exit") {
    if (value !== "true" && value !== "false")
      return `"may-exit" takes true or false, got ${JSON.stringify(value)}`;
    service.mayExit = value === "true";
    return undefined;
  }
  if (service[field] !== undefined) return `"${key}" is given twice`;
  service[field] = value;
  return undefined;
}

/** Checks the service keys together and turns them into the header's `service`. */
function finishService(header: ScriptHeader, lines: ServiceLines): string | undefined {
  const { ready, timeout, interval, mayExit } = lines;
  if (ready === undefined) {
    const stray = [
      timeout && "ready-timeout",
      interval && "ready-interval",
      mayExit !== undefined && "may-exit",
    ];
    const given = stray.filter(Boolean);
    return given.length > 0
      ? `${given.join(", ")} ${given.length === 1 ? "applies" : "apply"} to services: add a "ready=" line (a probe, or ready=notify)`
      : undefined;
  }
  try {
    const timing: ProbeTiming = {
      timeoutMs: parseDuration(timeout ?? PROBE_DEFAULTS.timeout),
      intervalMs: parseDuration(interval ?? PROBE_DEFAULTS.interval),
      checkTimeoutMs: parseDuration(PROBE_DEFAULTS.checkTimeout),
    };
    if (timing.intervalMs <= 0) return `"ready-interval" must be more than 0, got "${interval}"`;
    header.service = {
      ...(ready !== "notify" && { probe: parseProbe(ready) }),
      timing,
      mayExit: mayExit ?? false,
    };
    return undefined;
  } catch (error) {
    // parseProbe and parseDuration say what is wrong in the words of the flags; add the header's fix.
    const hint = (error as { hint?: string }).hint;
    return `${(error as Error).message}${hint ? ` (${hint})` : ""}`;
  }
}

/**
 * Every cycle among the scripts' wants, targets and before-all units, each named once in the
 * graph's words (`cycle detected: a -> b -> a`), declared in the order the runner declares them.
 */
function cycles(scripts: readonly PlannedScript[]): string[] {
  const graph = new Graph();
  const problems: string[] = [];
  const declare = (script: PlannedScript, change: () => unknown) => {
    try {
      change();
    } catch (error) {
      // A refused edge is not added, so each cycle is reported once, by the edge that closes it.
      if (!(error instanceof GraphError)) throw error;
      problems.push(`${script.path}: ${error.message}`);
    }
  };
  for (const script of scripts) if (script.beforeAll) declare(script, () => graph.beforeAll(script.unit, 0));
  for (const script of scripts) {
    for (const want of script.wants) declare(script, () => graph.want(script.unit, [want], 0));
    for (const want of script.wantsStarted ?? []) {
      // (Also in want=: reported above already.)
      if (!script.wants.includes(want)) declare(script, () => graph.want(script.unit, [want], 0, "started"));
    }
  }
  for (const script of scripts) {
    for (const target of script.targets ?? []) declare(script, () => graph.target(target, [script.unit], 0));
  }
  return problems;
}

/** Each target the scripts name, with its member units in script order (the plan's, by unit). */
export function targetsOf(scripts: readonly PlannedScript[]): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const script of scripts) {
    for (const target of script.targets ?? [])
      targets.set(target, [...(targets.get(target) ?? []), script.unit]);
  }
  return targets;
}

/**
 * The scripts' indexes in launch order: by height (the most scripts on a chain of dependents behind
 * it, through `want`, `want-started` and targets), then as given. A plan has no cycles.
 */
export function launchOrder(scripts: readonly PlannedScript[]): number[] {
  const dependents = new Map<string, string[]>();
  const link = (from: string, to: string) => {
    const list = dependents.get(from);
    if (list) list.push(to);
    else dependents.set(from, [to]);
  };
  for (const script of scripts) {
    for (const want of script.wants) link(want, script.unit);
    for (const want of script.wantsStarted ?? []) link(want, script.unit);
    for (const target of script.targets ?? []) link(script.unit, target);
  }
  const heights = new Map<string, number>();
  const height = (unit: string, depth: number): number => {
    const known = heights.get(unit);
    if (known !== undefined) return known;
    let most = 0;
    // (The depth bound only guards against a cycle a plan would have refused.)
    if (depth < scripts.length + 2)
      for (const dependent of dependents.get(unit) ?? []) most = Math.max(most, height(dependent, depth + 1));
    heights.set(unit, most + 1);
    return most + 1;
  };
  const order = scripts.map((script, index) => ({ index, height: height(script.unit, 0) }));
  return order.sort((a, b) => b.height - a.height || a.index - b.index).map((entry) => entry.index);
}
