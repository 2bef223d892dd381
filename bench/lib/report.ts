/** The pieces bench/results.md is assembled from. */

/** One figure next to its target: the summary table at the top of results.md. */
export interface Headline {
  figure: string;
  value: string;
  target: string;
  baseline: string;
  met: boolean | undefined;
}

/** What each benchmark hands back: its headline figures and its own section of markdown. */
export interface SectionResult {
  headlines: Headline[];
  markdown: string;
}

/** A markdown table, its columns padded to a common width (the layout biome's formatter keeps). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, i) => (cells[i] ?? "").padEnd(width)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** The verdict cell for a target. */
export function verdict(met: boolean | undefined): string {
  return met === undefined ? "n/a" : met ? "met" : "**missed**";
}

/** Prints progress on stderr, so stdout stays free for the final summary. */
export function progress(message: string): void {
  console.error(`[bench] ${message}`);
}
