/** The codecs, for tools that speak PPTP without running a session (the relay rewrites Call IDs with them). */

export { concatBytes, readU32, writeU16, writeU32 } from "../util/bytes.js";
export { formatIpv4, parseCidr, parseIpv4, prefixMask } from "../util/ipv4.js";
export * from "./control-messages.js";
export { ControlStreamReader } from "./control-stream.js";
export * from "./gre.js";
export { malformed, type ParseResult, parsed } from "./parse-result.js";
