/**
 * Carrier-grade NAT detection from addresses the client already knows. Behind CGNAT a second NAT, which the user
 * does not control and which rarely has a PPTP helper, sits between the home router and the internet, so GRE
 * usually cannot come back: the connect policy goes straight to wrap instead of waiting for the GRE timeout.
 */
import { parseIpv4 } from "@ferry/pptp-client/wire";

/** RFC 6598 shared address space, the range carriers number their CGNAT inside: 100.64.0.0/10. */
const SHARED_NETWORK = 0x64400000;
const SHARED_MASK = 0xffc00000;
export const CGNAT_RANGE = "100.64.0.0/10";

/** Whether a dotted-quad IPv4 address lies in 100.64.0.0/10; anything that is not a dotted quad is not. */
export function isCgnatAddress(ipv4: string): boolean {
  const value = parseIpv4(ipv4);
  return value !== undefined && (value & SHARED_MASK) >>> 0 === SHARED_NETWORK;
}

export interface CgnatObservations {
  /** The client's own IPv4 addresses (its interfaces). */
  readonly localAddresses: readonly string[];
  /** Router addresses seen on the path towards the server or relay (traceroute-style hops), nearest first. */
  readonly pathAddresses?: readonly string[];
  /** The address the relay sees this client connect from (its welcome message); "" when it did not say. */
  readonly relayObservedAddress?: string;
  /** The home router's external address learned through NAT-PMP or PCP, when the router answered. */
  readonly routerExternalAddress?: string;
}

export interface CgnatEvidence {
  readonly cgnat: boolean;
  /** One sentence naming the evidence (or, when there is none, what was checked). */
  readonly why: string;
}

const SHARED_SPACE = `${CGNAT_RANGE}, the shared address space carriers use for carrier-grade NAT (RFC 6598)`;

/**
 * Weighs the observations, strongest evidence first: a shared-space address on the client, at the router's
 * external side or on the path; then a relay-observed address that differs from the router's external one, which
 * means another NAT sits beyond the router. Addresses that are not IPv4 dotted quads are ignored, never thrown on.
 */
export function cgnatEvidence(observations: CgnatObservations): CgnatEvidence {
  const local = observations.localAddresses.find(isCgnatAddress);
  if (local !== undefined) {
    return { cgnat: true, why: `This computer's address ${local} is in ${SHARED_SPACE}.` };
  }
  const router = observations.routerExternalAddress;
  if (router !== undefined && isCgnatAddress(router)) {
    return { cgnat: true, why: `The router's external address ${router} is in ${SHARED_SPACE}.` };
  }
  const hop = observations.pathAddresses?.find(isCgnatAddress);
  if (hop !== undefined) {
    return { cgnat: true, why: `The router ${hop} on the path to the internet is in ${SHARED_SPACE}.` };
  }
  const observed = ipv4Value(observations.relayObservedAddress);
  const external = ipv4Value(router);
  if (observed !== undefined && external !== undefined && observed !== external) {
    return {
      cgnat: true,
      why:
        `The relay sees this computer as ${observations.relayObservedAddress} but the router's external address ` +
        `is ${router}: another NAT, likely the carrier's, sits between the router and the internet.`,
    };
  }
  return { cgnat: false, why: noEvidence(observed !== undefined, external !== undefined) };
}

function ipv4Value(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseIpv4(text);
}

function noEvidence(relayObserved: boolean, routerExternal: boolean): string {
  const base = `No address on this computer or its path is in ${CGNAT_RANGE}`;
  if (relayObserved && routerExternal) return `${base}, and the relay sees the router's external address.`;
  const missing = relayObserved
    ? "the router did not report its external address (NAT-PMP/PCP)"
    : routerExternal
      ? "the relay did not report the address it sees"
      : "neither the relay nor the router (NAT-PMP/PCP) reported an external address";
  return `${base}; ${missing}, so a NAT beyond the router cannot be ruled out.`;
}
