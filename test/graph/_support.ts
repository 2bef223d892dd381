/** Small helpers shared by the pure-graph suites. */
import { GraphError, type GraphErrorCode } from "../../src/graph/index.ts";

/** The GraphError that `operation` throws, as plain data; fails the test if it does not throw one. */
export function refusal(operation: () => unknown): { code: GraphErrorCode; message: string } {
  try {
    operation();
  } catch (error) {
    if (error instanceof GraphError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected the graph to refuse the operation, but it succeeded");
}
