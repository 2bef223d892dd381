/** Every schema and type of the protocol, for the agent and the tests; see wire.ts for the split. */
export * from "./requests.ts";
export * from "./responses.ts";
export * from "./snapshot-events.ts";
export * from "./wire.ts";
