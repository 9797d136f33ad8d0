/** Detection and policy for the wrap transport: CGNAT evidence, network identity, the auto decision, its memory. */
export * from "./cgnat.js";
export * from "./decision-file.js";
export * from "./decision-store.js";
export * from "./nat-pmp.js";
export * from "./nat-pmp-client.js";
export * from "./network-facts.js";
export * from "./network-identity.js";
export * from "./transport-policy.js";
