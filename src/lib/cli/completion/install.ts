/**
 * How to install each shell's completion script, as the scripts' own headers, docs/cli.md and the
 * README say it: for this user, no root needed (test/completion.test.ts runs the lines).
 */
export const INSTALL_LINES = {
  bash: [
    "mkdir -p ~/.local/share/bash-completion/completions",
    "unitsync completion bash > ~/.local/share/bash-completion/completions/unitsync",
  ],
  zsh: [
    "mkdir -p ~/.zfunc && unitsync completion zsh > ~/.zfunc/_unitsync",
    "# and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath)",
  ],
  fish: ["unitsync completion fish > ~/.config/fish/completions/unitsync.fish"],
} as const;

/** The install lines of `shell` as comment lines for the top of its script. */
export function installComment(shell: keyof typeof INSTALL_LINES): string {
  return INSTALL_LINES[shell].map((line) => `#   ${line.replace(/^# /, "")}`).join("\n");
}
