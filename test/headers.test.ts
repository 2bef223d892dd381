import { describe, expect, test } from "bun:test";
import {
  headerBody,
  parseHeader,
  planScripts,
  type ScriptSource,
  unitNameFromFile,
} from "../src/agent/scripts/headers.ts";
import { LineSplitter } from "../src/agent/scripts/output.ts";
import { seededBelow } from "./_random.ts";

const source = (fileName: string, head: string): ScriptSource => ({ path: `/d/${fileName}`, fileName, head });

describe("headerBody", () => {
  test("reads a header line exactly as /^#\\s*unitsync\\s*:(.*)$/ did, on random lines", () => {
    const model = (line: string) => /^#\s*unitsync\s*:(.*)$/.exec(line)?.[1];
    // Lines built like header lines, each part sometimes off: the spaces (every kind \s matches,
    // and some it does not), the word, the colon, and a body with or without line terminators.
    const spaces = ["", " ", "\t", "\r", "\u2028", "\u00a0", "\u3000", "\ufeff", "x", "\u200b"];
    const words = ["unitsync", "unitsync", "unitsync", "unitsyn", "Unitsync", ""];
    const bodies = ["", " want=a", "want=a,b ", "\r", "a\rb", "\u2028", "x\u2029", "\u0085", " : "];
    const random = seededBelow(7);
    const pick = (list: readonly string[]) => list[random(list.length)] as string;
    let headers = 0;
    for (let i = 0; i < 20_000; i++) {
      const line = [
        random(8) === 0 ? " #" : "#",
        pick(spaces) + pick(spaces),
        pick(words),
        pick(spaces) + pick(spaces),
        random(8) === 0 ? ";" : ":",
        pick(bodies) + pick(bodies),
      ].join("");
      const body = model(line);
      if (body !== undefined) headers++;
      expect({ line, body: headerBody(line) }).toEqual({ line, body });
    }
    // Both kinds of line were tried, many times each.
    expect(headers).toBeGreaterThan(500);
    expect(headers).toBeLessThan(19_000);
    expect(headerBody("#  unitsync :want=a")).toBe("want=a");
    expect(headerBody("# unitsync: want=a\rb")).toBeUndefined();
  });
});

describe("parseHeader", () => {
  test("reads unit and want lines from the leading comment block, after the #! line", () => {
    const text = [
      "#!/bin/sh",
      "# Sets up the IDE.",
      "",
      "# unitsync: unit=myorg.ide-setup",
      "#unitsync: want=git-clone, env-setup",
      "#   unitsync :  want = toolchain",
      "# unitsync: want=git-clone",
      "set -e",
      "echo hi",
    ].join("\n");
    expect(parseHeader(text)).toEqual({
      header: { unit: "myorg.ide-setup", wants: ["git-clone", "env-setup", "toolchain"] },
      errors: [],
      warnings: [],
    });
  });

  test("a script without header lines has no unit and no wants", () => {
    expect(parseHeader("#!/bin/sh\necho hi\n")).toEqual({ header: { wants: [] }, errors: [], warnings: [] });
  });

  test("ignores header lines after the first line of code, with a warning naming the line", () => {
    const parsed = parseHeader("#!/bin/sh\n# unitsync: want=a\nset -e\n# unitsync: want=b\n");
    expect(parsed.header.wants).toEqual(["a"]);
    expect(parsed.warnings).toEqual([{ line: 4, message: expect.stringContaining("ignored") }]);
    expect(parsed.errors).toEqual([]);
  });

  test("accepts CRLF line endings", () => {
    expect(parseHeader("#!/bin/sh\r\n# unitsync: want=a,b\r\necho\r\n").header.wants).toEqual(["a", "b"]);
  });

  test("reports each mistake with its line number", () => {
    const text = [
      "#!/bin/sh",
      "# unitsync: wnat=a",
      "# unitsync: want",
      "# unitsync: want=a,,b",
      "# unitsync: want=bad name",
      "# unitsync: unit=a,b",
      "# unitsync: unit=one",
      "# unitsync: unit=two",
    ].join("\n");
    expect(parseHeader(text).errors).toEqual([
      {
        line: 2,
        message:
          'unknown key "wnat"; the keys are unit, want, want-started, target, before, ready, ready-timeout, ready-interval, may-exit',
      },
      { line: 3, message: 'expected "key=value" after "# unitsync:", got "want"' },
      { line: 4, message: 'empty value in "want=a,,b"' },
      { line: 5, message: 'unit name "bad name" contains whitespace or a control character' },
      { line: 6, message: '"unit" takes one name, got 2' },
      { line: 8, message: '"unit" is given twice (first as "one")' },
    ]);
  });
});

describe("service headers", () => {
  const timing = { intervalMs: 1000, timeoutMs: 300_000, checkTimeoutMs: 2000 };

  test("ready= makes the script a service checked by a probe; the other keys tune it", () => {
    const text = [
      "#!/bin/sh",
      "# unitsync: ready=tcp:127.0.0.1:5432",
      "# unitsync: ready-timeout=2m",
      "# unitsync: ready-interval=250ms",
      "# unitsync: may-exit",
      "exec postgres",
    ].join("\n");
    expect(parseHeader(text)).toEqual({
      header: {
        wants: [],
        service: {
          probe: { kind: "tcp", host: "127.0.0.1", port: 5432 },
          timing: { intervalMs: 250, timeoutMs: 120_000, checkTimeoutMs: 2000 },
          mayExit: true,
        },
      },
      errors: [],
      warnings: [],
    });
  });

  test("every probe form, commas and all; ready=notify leaves readiness to the script", () => {
    const service = (ready: string) => parseHeader(`#!/bin/sh\n# unitsync: ready=${ready}\n`).header.service;
    expect({
      http: service("http://127.0.0.1:8080/health?a=1,b=2"),
      file: service("file:/run/app.ready"),
      exec: service("exec:pg_isready -h 127.0.0.1, or else"),
      notify: service("notify"),
    }).toEqual({
      http: { probe: { kind: "http", url: "http://127.0.0.1:8080/health?a=1,b=2" }, timing, mayExit: false },
      file: { probe: { kind: "file", path: "/run/app.ready" }, timing, mayExit: false },
      exec: { probe: { kind: "exec", command: "pg_isready -h 127.0.0.1, or else" }, timing, mayExit: false },
      notify: { timing, mayExit: false },
    });
  });

  test("reports service mistakes with their line", () => {
    const errorsOf = (...lines: string[]) => parseHeader(["#!/bin/sh", ...lines].join("\n")).errors;
    expect({
      badProbe: errorsOf("# unitsync: ready=tcp:localhost"),
      badTimeout: errorsOf("# unitsync: ready=file:/x", "# unitsync: ready-timeout=soon"),
      zeroInterval: errorsOf("# unitsync: ready=file:/x", "# unitsync: ready-interval=0"),
      twice: errorsOf("# unitsync: ready=file:/x", "# unitsync: ready=file:/y"),
      stray: errorsOf("# unitsync: want=a", "# unitsync: ready-timeout=1m", "# unitsync: may-exit"),
      mayExit: errorsOf("# unitsync: ready=notify", "# unitsync: may-exit=sometimes"),
    }).toEqual({
      badProbe: [
        {
          line: 2,
          message:
            'invalid probe "tcp:localhost": missing port (write it as tcp:HOST:PORT, e.g. tcp:127.0.0.1:5432 or tcp:[::1]:5432)',
        },
      ],
      badTimeout: [
        {
          line: 2,
          message:
            'invalid duration "soon" (use a Go-style duration such as 90s, 5m or 1h30m (0 waits forever))',
        },
      ],
      zeroInterval: [{ line: 2, message: '"ready-interval" must be more than 0, got "0"' }],
      twice: [{ line: 3, message: '"ready" is given twice' }],
      stray: [
        {
          line: 3,
          message:
            'ready-timeout, may-exit apply to services: add a "ready=" line (a probe, or ready=notify)',
        },
      ],
      mayExit: [{ line: 3, message: '"may-exit" takes true or false, got "sometimes"' }],
    });
  });

  test("a service's plan carries its header; other scripts have none", () => {
    const plan = planScripts([
      source("db.sh", "#!/bin/sh\n# unitsync: ready=tcp:127.0.0.1:5432\nexec postgres\n"),
      source("migrate.sh", "#!/bin/sh\n# unitsync: want=db\n"),
    ]);
    expect(plan).toEqual({
      scripts: [
        {
          path: "/d/db.sh",
          unit: "db",
          wants: [],
          service: { probe: { kind: "tcp", host: "127.0.0.1", port: 5432 }, timing, mayExit: false },
        },
        { path: "/d/migrate.sh", unit: "migrate", wants: ["db"] },
      ],
      errors: [],
      warnings: [],
    });
  });
});

describe("unitNameFromFile", () => {
  test.each([
    ["git-clone.sh", "git-clone"],
    ["db.setup.py", "db.setup"],
    ["RUN.SH", "RUN"],
    ["myorg.ide-setup", "myorg.ide-setup"],
    ["Makefile", "Makefile"],
    ["50-toolchain", "50-toolchain"],
  ])("%s provides unit %s", (file, unit) => {
    expect(unitNameFromFile(file)).toBe(unit);
  });
});

describe("planScripts", () => {
  test("a want that no script provides is an error: nothing would ever complete it", () => {
    const plan = planScripts([
      source("top.sh", "#!/bin/sh\n# unitsync: want=base,right\n"),
      source("base.sh", "#!/bin/sh\n"),
    ]);
    expect(plan).toEqual({
      scripts: [],
      errors: ['/d/top.sh: wants "right", which no script provides, so "top" could never run'],
      warnings: [],
    });
  });

  test("a valid plan lists the scripts sorted by unit", () => {
    const plan = planScripts([
      source("top.sh", "#!/bin/sh\n# unitsync: want=left,myorg.right\n"),
      source("left.sh", "#!/bin/sh\n# unitsync: want=base\n"),
      source("right", "#!/bin/sh\n# unitsync: unit=myorg.right\n# unitsync: want=base\n"),
      source("base.sh", "#!/bin/sh\necho\n"),
      source("tool", "\x7fELF\x02\x01\x01"),
    ]);
    expect(plan).toEqual({
      scripts: [
        { path: "/d/base.sh", unit: "base", wants: [] },
        { path: "/d/left.sh", unit: "left", wants: ["base"] },
        { path: "/d/right", unit: "myorg.right", wants: ["base"] },
        { path: "/d/tool", unit: "tool", wants: [] },
        { path: "/d/top.sh", unit: "top", wants: ["left", "myorg.right"] },
      ],
      errors: [],
      warnings: [],
    });
  });

  test("names every cycle among the scripts, a self-dependency included", () => {
    const plan = planScripts([
      source("a.sh", "#!/bin/sh\n# unitsync: want=b\n"),
      source("b.sh", "#!/bin/sh\n# unitsync: want=c\n"),
      source("c.sh", "#!/bin/sh\n# unitsync: want=a\n"),
      source("d.sh", "#!/bin/sh\n# unitsync: want=d\n"),
    ]);
    expect(plan.scripts).toEqual([]);
    expect(plan.errors).toEqual([
      "/d/c.sh: cycle detected: c -> a -> b -> c",
      "/d/d.sh: cycle detected: d -> d",
    ]);
  });

  test("refuses two scripts that provide the same unit", () => {
    const plan = planScripts([
      source("db.sh", "#!/bin/sh\n"),
      source("db.py", "#!/usr/bin/env python3\n"),
      source("other", "#!/bin/sh\n# unitsync: unit=db\n"),
    ]);
    expect(plan.errors).toEqual([
      '/d/db.py: unit "db" is already provided by /d/db.sh; unit names must be unique',
      '/d/other: unit "db" is already provided by /d/db.sh; unit names must be unique',
    ]);
  });

  test("refuses a text file without a #! line, and a file name that is not a valid unit name", () => {
    const plan = planScripts([source("setup.sh", "echo hi\n"), source("my setup.sh", "#!/bin/sh\n")]);
    expect(plan.errors).toEqual([
      '/d/setup.sh: no "#!" line, so it cannot be run directly; add one, e.g. #!/bin/sh',
      '/d/my setup.sh: unit name "my setup" contains whitespace or a control character; name the unit with a "# unitsync: unit=NAME" line',
    ]);
  });

  test("reports header mistakes with the file and line, and passes warnings on", () => {
    const plan = planScripts([source("a.sh", "#!/bin/sh\n# unitsync: after=b\necho\n# unitsync: want=c\n")]);
    expect(plan.errors).toEqual([
      '/d/a.sh:2: unknown key "after"; the keys are unit, want, want-started, target, before, ready, ready-timeout, ready-interval, may-exit',
    ]);
    expect(plan.warnings).toEqual([expect.stringMatching(/^\/d\/a\.sh:4: /)]);
  });
});

describe("LineSplitter", () => {
  const split = (chunks: string[]) => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (const chunk of chunks) splitter.push(new TextEncoder().encode(chunk));
    splitter.end();
    return lines;
  };

  test("joins lines split across chunks and flushes a last line without newline", () => {
    expect(split(["one\ntw", "o\r\nthr", "ee"])).toEqual(["one", "two", "three"]);
  });

  test("keeps a multi-byte character split across chunks whole", () => {
    const bytes = new TextEncoder().encode("é\n");
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push(bytes.subarray(0, 1));
    splitter.push(bytes.subarray(1));
    splitter.end();
    expect(lines).toEqual(["é"]);
  });

  test("emits nothing for empty output, and empty lines as empty", () => {
    expect(split([])).toEqual([]);
    expect(split(["\n\n"])).toEqual(["", ""]);
  });
});
