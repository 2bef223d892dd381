export { type Direction, Graph, type NodeRecord, type Visit } from "./graph.ts";
export { assertValidName, compareNames, MAX_NAME_LENGTH, nameProblem } from "./names.ts";
export * from "./types.ts";
export {
  describeFailure,
  evaluate,
  type FailedDependency,
  type Outcome,
  type Resolution,
  type Waiter,
  WaitSet,
} from "./waiters.ts";
