/**
 * The floor for any Bun CLI: a compiled binary that does nothing. The call-cost benchmark builds it
 * with the same compile options as dist/unitsync and runs it beside the real verbs.
 */
export {};
