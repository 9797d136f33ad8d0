/** `ferry diagnose`: the field guide's PPTP troubleshooting checklist, run against a server and relays. */
export * from "./checklist.js";
export type { Finding, FindingId, FindingStatus } from "./finding.js";
export * from "./format-findings.js";
export type * from "./observations.js";
export * from "./path-mtu-probe.js";
export * from "./pptp-probe.js";
export * from "./probes.js";
export * from "./relay-probe.js";
export * from "./run-diagnosis.js";
export * from "./tunnel-mtu.js";
