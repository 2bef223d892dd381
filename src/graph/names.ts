import { GraphError } from "./types.ts";

/** The longest unit name accepted, in characters. */
export const MAX_NAME_LENGTH = 128;

/** Why `name` is not a valid unit name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "unit name must not be empty";
  // One pass over the UTF-16 units: characters are counted as code points (a surrogate pair is one).
  // A loop, not /[\s\p{Cc}]/u: every client checks its names, and compiling that regex costs more.
  let length = 0;
  let forbidden = false;
  let invisible: number | undefined;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(name.charCodeAt(i + 1))) i++;
    length++;
    forbidden ||= isSpaceOrControl(code);
    if (invisible === undefined && isInvisibleFormat(code)) invisible = code;
  }
  if (length > MAX_NAME_LENGTH) {
    return `unit name is ${length} characters long; the limit is ${MAX_NAME_LENGTH}`;
  }
  if (!name.isWellFormed()) return "unit name is not valid Unicode (it has a lone surrogate)";
  if (forbidden) {
    return `unit name ${JSON.stringify(name)} contains whitespace or a control character`;
  }
  // Printed as a code point, not as the name: shown raw, the character would do what it is refused for.
  if (invisible !== undefined) {
    const point = `U+${invisible.toString(16).toUpperCase().padStart(4, "0")}`;
    return `unit name contains ${point}, an invisible or text-direction character that makes one name look like another`;
  }
  // In a URL path (`/v1/units/..`) these are dot segments, which HTTP resolves away.
  if (name === "." || name === "..") return `unit name ${JSON.stringify(name)} is not allowed`;
  return undefined;
}

/** Throws a GraphError("invalid_name") unless `name` is a valid unit name. */
export function assertValidName(name: string): void {
  const problem = nameProblem(name);
  if (problem) throw new GraphError("invalid_name", problem);
}

/** Orders names by UTF-16 code unit, the same on every machine (no locale): every sorted list of units. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// --- internal ---

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Zero-width and formatting characters that render as nothing or reorder the text around them:
 * the soft hyphen, the zero-width space, direction marks, embeddings, overrides and isolates,
 * the word joiner and invisible operators, and the Mongolian vowel separator.
 */
function isInvisibleFormat(code: number): boolean {
  return (
    code === 0x00ad ||
    code === 0x061c ||
    code === 0x180e ||
    code === 0x200b ||
    // (U+200C and U+200D, the zero-width non-joiner and joiner, are kept: Persian and Indic words
    // and emoji sequences such as 👩‍💻 need them.)
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2064) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/**
 * What JavaScript's `\s` and `\p{Cc}` match: C0 controls and the space (up to U+0020), DEL and the
 * C1 controls through the no-break space (U+007F-U+00A0), and the other Unicode spaces.
 */
function isSpaceOrControl(code: number): boolean {
  return (
    code <= 0x20 ||
    (code >= 0x7f && code <= 0xa0) ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
