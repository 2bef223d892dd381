/** The script headers of issue 14: want-started=, target=, before=*. */
import { describe, expect, test } from "bun:test";
import {
  launchOrder,
  parseHeader,
  planScripts,
  type ScriptSource,
  targetsOf,
} from "../src/agent/scripts/headers.ts";

const source = (fileName: string, ...lines: string[]): ScriptSource => ({
  path: `/d/${fileName}`,
  fileName,
  head: ["#!/bin/sh", ...lines, "true"].join("\n"),
});

describe("parseHeader: the keys of issue 14", () => {
  test("want-started, target and before=* are read like want", () => {
    const text = [
      "#!/bin/sh",
      "# unitsync: want-started=db, proxy",
      "# unitsync: want-started=db",
      "# unitsync: target=git-clone",
      "# unitsync: target=modules,git-clone",
      "# unitsync: before=*",
    ].join("\n");
    expect(parseHeader(text)).toEqual({
      header: {
        wants: [],
        wantsStarted: ["db", "proxy"],
        targets: ["git-clone", "modules"],
        beforeAll: true,
      },
      errors: [],
      warnings: [],
    });
  });

  test('before takes only "*"', () => {
    expect(parseHeader("#!/bin/sh\n# unitsync: before=app\n").errors).toEqual([
      { line: 2, message: '"before" takes only "*" (before every other unit)' },
    ]);
  });
});

describe("planScripts with targets, started wants and before-all scripts", () => {
  test("a want on a target is provided by the target; its members are the scripts naming it", () => {
    const plan = planScripts([
      source("fetch.sh", "# unitsync: target=git-clone"),
      source("submodules.sh", "# unitsync: target=git-clone", "# unitsync: want=fetch"),
      source("app.sh", "# unitsync: want=git-clone"),
    ]);
    expect(plan.errors).toEqual([]);
    expect(targetsOf(plan.scripts)).toEqual(new Map([["git-clone", ["fetch", "submodules"]]]));
  });

  test("a want-started on a unit no script provides is an error, like a want", () => {
    expect(planScripts([source("app.sh", "# unitsync: want-started=db")]).errors).toEqual([
      '/d/app.sh: wants "db", which no script provides, so "app" could never run',
    ]);
  });

  test("the same unit in want= and want-started= is an error", () => {
    const plan = planScripts([
      source("db.sh"),
      source("app.sh", "# unitsync: want=db", "# unitsync: want-started=db"),
    ]);
    expect(plan.errors).toEqual(['/d/app.sh: "db" is in both want= and want-started=; choose one']);
  });

  test("a target named like a script's unit is an error", () => {
    const plan = planScripts([source("db.sh"), source("app.sh", "# unitsync: target=db")]);
    expect(plan.errors).toEqual([
      '/d/app.sh: target "db" is also the unit of /d/db.sh; a target has no script',
    ]);
  });

  test("a before-all script that wants a plain script is a cycle, named", () => {
    const plan = planScripts([
      source("apt-mirror.sh", "# unitsync: before=*", "# unitsync: want=network"),
      source("network.sh"),
    ]);
    expect(plan.errors).toEqual(["/d/apt-mirror.sh: cycle detected: apt-mirror -> network -> apt-mirror"]);
  });

  test("a plain script may want a before-all script explicitly (it does anyway)", () => {
    const plan = planScripts([
      source("apt-mirror.sh", "# unitsync: before=*"),
      source("app.sh", "# unitsync: want=apt-mirror"),
    ]);
    expect(plan.errors).toEqual([]);
    expect(plan.scripts.find((script) => script.unit === "apt-mirror")?.beforeAll).toBe(true);
  });
});

describe("planScripts with agent --before-all", () => {
  test("a script named by --before-all is planned as before-all: its want on a plain script is a cycle", () => {
    const sources = [source("apt-mirror.sh", "# unitsync: want=network"), source("network.sh")];
    expect(planScripts(sources).errors).toEqual([]);
    expect(planScripts(sources, { beforeAll: ["apt-mirror"] }).errors).toEqual([
      "/d/apt-mirror.sh: cycle detected: apt-mirror -> network -> apt-mirror",
    ]);
  });
});

describe("launchOrder: the scripts with the longest chain behind them ask to start first", () => {
  const units = (plan: ReturnType<typeof planScripts>) =>
    launchOrder(plan.scripts).map((index) => plan.scripts[index]?.unit);

  test("dependents released together: the one with more scripts behind it first, ties by name", () => {
    // root releases a, b and c at once; c leads to d and e, b to f: c (3 high), then b, then a.
    // Across levels the order only needs to hold among scripts released together.
    const plan = planScripts([
      source("root"),
      source("a", "# unitsync: want=root"),
      source("b", "# unitsync: want=root"),
      source("c", "# unitsync: want=root"),
      source("d", "# unitsync: want=c"),
      source("e", "# unitsync: want=d"),
      source("f", "# unitsync: want=b"),
    ]);
    expect(units(plan)).toEqual(["root", "c", "b", "d", "a", "e", "f"]);
  });

  test("a started want and a target count as links of the chain", () => {
    const plan = planScripts([
      source("db"),
      source("proxy"),
      source("web", "# unitsync: want-started=db"),
      source("mod1", "# unitsync: target=modules"),
      source("ide", "# unitsync: want=modules"),
    ]);
    // mod1 -> (modules) -> ide is 3 high, db -> web 2; ide, proxy and web have nothing behind them.
    expect(units(plan)).toEqual(["mod1", "db", "ide", "proxy", "web"]);
  });
});
