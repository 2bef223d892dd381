import { usageError } from "./errors.ts";

/** A table column: its header and how to read a row's cell. */
export interface Column<Row> {
  header: string;
  cell: (row: Row) => string;
}

/**
 * Renders rows as Coder's CLI does: upper-case headers, columns separated by two spaces, no borders.
 * `only` is the `-c` flag: a comma-separated choice of columns by header name. With `coder`, every
 * cell is padded and followed by two spaces, the last one too, byte for byte as Coder's tables (its
 * golden files end each line so); unitsync's own tables trim the line instead.
 */
export function renderTable<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  only?: string,
  { coder = false }: { coder?: boolean } = {},
): string {
  const shown = only ? pickColumns(columns, only) : columns;
  const cells = [
    shown.map((column) => column.header.toUpperCase()),
    ...rows.map((row) => shown.map((c) => c.cell(row))),
  ];
  const widths = shown.map((_, i) => Math.max(...cells.map((line) => (line[i] as string).length)));
  return cells
    .map((line) => {
      const padded = line.map((cell, i) => cell.padEnd(widths[i] as number));
      return coder ? padded.map((cell) => `${cell}  `).join("") : padded.join("  ").trimEnd();
    })
    .join("\n");
}

/** Throws the usage error for an unknown `-c` column now, before any request is made. */
export function checkColumns<Row>(columns: readonly Column<Row>[], only: string | undefined): void {
  if (only) pickColumns(columns, only);
}

// --- internal ---

function pickColumns<Row>(columns: readonly Column<Row>[], only: string): Column<Row>[] {
  const key = (name: string) =>
    name
      .trim()
      .toLowerCase()
      .replace(/[-_\s]+/g, " ");
  return only.split(",").map((name) => {
    const column = columns.find((c) => key(c.header) === key(name));
    if (!column) {
      const names = columns.map((c) => c.header.toLowerCase()).join(", ");
      throw usageError(`unknown column "${name.trim()}"; choose from: ${names}`);
    }
    return column;
  });
}
