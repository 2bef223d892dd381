import { GraphError } from "./types.ts";

/** The longest unit name accepted, in characters. */
export const MAX_NAME_LENGTH = 128;

// Whitespace (including Unicode spaces) and control characters (C0, DEL, C1) are never part of a name.
const FORBIDDEN = /[\s\p{Cc}]/u;

/** Why `name` is not a valid unit name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "unit name must not be empty";
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH) {
    return `unit name is ${length} characters long; the limit is ${MAX_NAME_LENGTH}`;
  }
  if (!name.isWellFormed()) return "unit name is not valid Unicode (it has a lone surrogate)";
  if (FORBIDDEN.test(name)) {
    return `unit name ${JSON.stringify(name)} contains whitespace or a control character`;
  }
  return undefined;
}

/** Throws a GraphError("invalid_name") unless `name` is a valid unit name. */
export function assertValidName(name: string): void {
  const problem = nameProblem(name);
  if (problem) throw new GraphError("invalid_name", problem);
}
