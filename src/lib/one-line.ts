/**
 * Text from elsewhere (a failure reason, an agent's error message) made safe to print on one line
 * of a terminal or a log: control characters, line separators and bidirectional overrides are
 * escaped (`\n`, `\t`, `\x1b`, `\u202e`), so a reason can neither forge a log line, nor move the
 * cursor, nor make one unit look like another. Everything else is left as it is; JSON output keeps
 * the exact text and never goes through this.
 */
export function oneLine(text: string): string {
  // Most text needs nothing: one pass to see, and the original string back.
  let i = 0;
  while (i < text.length && !needsEscape(text.charCodeAt(i))) i++;
  if (i === text.length) return text;
  let out = text.slice(0, i);
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += needsEscape(code) ? escaped(code) : text[i];
  }
  return out;
}

// --- internal ---

function needsEscape(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    // Bidirectional marks, embeddings, overrides and isolates.
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function escaped(code: number): string {
  if (code === 0x0a) return "\\n";
  if (code === 0x0d) return "\\r";
  if (code === 0x09) return "\\t";
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}
