/**
 * External tools that some tests need. On a developer machine a missing tool skips the tests that
 * need it, with one line on stderr naming the tool and how to install it, so `npm ci && npm test`
 * passes on a machine with only Node. CI (`.ci/run`, which installs every tool) sets
 * UNITSYNC_REQUIRE_TOOLS=1: a missing tool is then a failing test, so nothing goes unchecked there.
 *
 *   test.skipIf(missing("shellcheck"))("passes shellcheck", ...)
 *   describe.skipIf(missing("zsh"))("zsh", () => { ... })
 */
import { test } from "bun:test";

/** Every tool a test may need, with the package that provides it (Debian, Homebrew), or where to get it. */
export const TOOLS = {
  shellcheck: { apt: "shellcheck", brew: "shellcheck" },
  zsh: { apt: "zsh", brew: "zsh" },
  fish: { apt: "fish", brew: "fish" },
  dot: { apt: "graphviz", brew: "graphviz" },
  "redis-server": { apt: "redis-server", brew: "redis" },
  make: { apt: "make", brew: "make" },
  "s6-svscan": { apt: "s6", brew: "s6" },
  file: { apt: "file", brew: "file-formula" },
  // Linux only: there is no Homebrew formula to offer.
  "systemd-analyze": { apt: "systemd" },
  debootstrap: { apt: "debootstrap" },
  wget: { apt: "wget", brew: "wget" },
  // Not in Debian (its licence): HashiCorp's own packages.
  terraform: { brew: "hashicorp/tap/terraform", url: "https://developer.hashicorp.com/terraform/install" },
  // util-linux's script(1), for the pseudo-terminal tests (macOS's BSD script takes other flags).
  script: { apt: "bsdutils" },
} as const satisfies Record<string, Packages>;

/** A tool named in TOOLS. */
export type Tool = keyof typeof TOOLS;

/** Whether UNITSYNC_REQUIRE_TOOLS=1 turns a missing tool into a failure (CI). */
export const REQUIRE_TOOLS = process.env.UNITSYNC_REQUIRE_TOOLS === "1";

/**
 * Tools CI could not install (UNITSYNC_TOOLS_UNAVAILABLE, comma-separated: terraform, which no
 * Debian package provides): their tests skip with the usual line even under UNITSYNC_REQUIRE_TOOLS=1,
 * and .ci/run says so at the top of its output.
 */
const UNAVAILABLE = new Set((process.env.UNITSYNC_TOOLS_UNAVAILABLE ?? "").split(",").filter(Boolean));

/**
 * True when `tool` is not on PATH, for `test.skipIf` / `describe.skipIf` (call it where tests are
 * declared, not inside a test). The first time a tool is found missing it prints one line saying so
 * (bun test runs every file in one process, so that is once per run); with UNITSYNC_REQUIRE_TOOLS=1
 * it registers a failing test `<tool> is installed` instead.
 */
export function missing(tool: Tool): boolean {
  if (Bun.which(tool)) return false;
  if (!reported.has(tool)) {
    reported.add(tool);
    const message = `${tool} is not installed: the tests that need it are skipped (${howToInstall(tool)})`;
    if (REQUIRE_TOOLS && !UNAVAILABLE.has(tool)) {
      test(`${tool} is installed (UNITSYNC_REQUIRE_TOOLS=1)`, () => {
        throw new Error(
          `${tool} is not installed and UNITSYNC_REQUIRE_TOOLS=1 requires it: ${howToInstall(tool)}`,
        );
      });
    } else {
      console.error(`skip: ${message}`);
    }
  }
  return true;
}

/** How to get `tool`: "apt-get install graphviz, or brew install graphviz". */
export function howToInstall(tool: Tool): string {
  const packages: Packages = TOOLS[tool];
  return [
    packages.apt && `apt-get install ${packages.apt}`,
    packages.brew && `brew install ${packages.brew}`,
    packages.url && `see ${packages.url}`,
  ]
    .filter(Boolean)
    .join(", or ");
}

// --- internal ---

interface Packages {
  apt?: string;
  brew?: string;
  url?: string;
}

const reported = new Set<Tool>();
