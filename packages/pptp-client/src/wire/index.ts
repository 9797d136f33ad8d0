/** The codecs, for tools that speak PPTP without running a session (the relay rewrites Call IDs with them). */
export * from "./control-messages.js";
export { ControlStreamReader } from "./control-stream.js";
export * from "./gre.js";
export type { ParseResult } from "./parse-result.js";
