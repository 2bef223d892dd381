/**
 * The realistic template of benchmark 3: 30 units in 6 levels, shaped like a workspace's startup
 * (clone, toolchains, database, migrations, IDE, apps). Every unit of a level depends on at least
 * one unit of the level before, so the critical path runs through all six levels.
 */

/** One unit of the template and the units it waits for. */
export interface TemplateUnit {
  name: string;
  level: number;
  deps: string[];
}

const LEVELS: Record<string, string[]>[] = [
  // 1: nothing to wait for
  { "git.clone": [], "dotfiles.fetch": [], "secrets.fetch": [], "apt.mirror": [] },
  // 2: toolchains and services
  {
    "toolchain.node": ["git.clone"],
    "toolchain.go": ["git.clone"],
    "toolchain.python": ["git.clone", "apt.mirror"],
    "db.install": ["apt.mirror"],
    "cache.install": ["apt.mirror"],
    "dotfiles.install": ["dotfiles.fetch"],
  },
  // 3: dependencies and running services
  {
    "deps.npm": ["toolchain.node"],
    "deps.go": ["toolchain.go"],
    "deps.pip": ["toolchain.python"],
    "db.start": ["db.install", "secrets.fetch"],
    "cache.start": ["cache.install"],
  },
  // 4: migrations and builds
  {
    "db.migrate": ["db.start", "deps.go"],
    "build.frontend": ["deps.npm"],
    "build.backend": ["deps.go"],
    "lint.hooks": ["deps.npm", "dotfiles.install"],
    "ml.models": ["deps.pip"],
  },
  // 5: seed data and IDEs
  {
    "db.seed": ["db.migrate"],
    "ide.vscode": ["build.frontend", "dotfiles.install"],
    "ide.jetbrains": ["build.backend"],
    "ide.extensions": ["build.frontend"],
    "jupyter.kernel": ["ml.models"],
  },
  // 6: the apps
  {
    "app.web": ["db.seed", "build.frontend", "cache.start"],
    "app.api": ["db.seed", "build.backend"],
    "app.worker": ["db.seed", "cache.start"],
    "app.notebook": ["jupyter.kernel"],
    "app.docs": ["ide.vscode"],
  },
];

/** The 30 units, level by level. */
export const TEMPLATE: readonly TemplateUnit[] = LEVELS.flatMap((units, index) =>
  Object.entries(units).map(([name, deps]) => ({ name, level: index + 1, deps })),
);

/** The number of levels, which is the number of units on the critical path. */
export const TEMPLATE_LEVELS = LEVELS.length;
