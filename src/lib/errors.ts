/** Process exit codes; the table in DESIGN.md ("Exit codes") is the contract. */
export const ExitCode = {
  ok: 0,
  refused: 1,
  usage: 2,
  unreachable: 3,
  dependencyFailed: 4,
  /** `agent` could not serve its socket: another agent serves it, another program holds it, or it cannot be bound. */
  cannotServe: 5,
  timeout: 124,
  /** A bug in unitsync (sysexits' EX_SOFTWARE): an exception nothing expected, never a refusal. */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The one error type commands throw; the entrypoint turns it into `error: ...` and an exit code. */
export class UnitsyncError extends Error {
  override name = "UnitsyncError";
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.refused,
    /** Machine-readable code, the same as the protocol's error codes. */
    readonly code: string = "refused",
    /** An optional second line telling the user what to do. */
    readonly hint?: string,
    /** The problems behind it, each printed on its own `error:` line before the message. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

/** A usage error: wrong arguments or flags (exit 2). */
export function usageError(message: string, hint?: string): UnitsyncError {
  return new UnitsyncError(message, ExitCode.usage, "usage", hint);
}
