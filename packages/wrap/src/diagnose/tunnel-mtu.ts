/**
 * The MTU and TCP MSS a PPTP tunnel can use over a path. Every packet in the tunnel is wrapped in, at most:
 * an outer IPv4 header (20), the enhanced GRE header with sequence and acknowledgement numbers (16), the PPP
 * address/control and protocol fields (4; 2 once both are compressed) and MPPE's header plus the inner protocol
 * number it encrypts (4). What is left of the path MTU is the tunnel's; the inner IPv4 and TCP headers (40)
 * come off that for the MSS.
 */

export const PPTP_OVERHEAD = { outerIpv4: 20, gre: 16, ppp: 4, mppe: 4 } as const;
export const PPTP_OVERHEAD_BYTES =
  PPTP_OVERHEAD.outerIpv4 + PPTP_OVERHEAD.gre + PPTP_OVERHEAD.ppp + PPTP_OVERHEAD.mppe;
/** Inner IPv4 (20) and TCP (20) headers without options. */
export const TCP_IPV4_HEADERS = 40;
/**
 * The tunnel MTU the field guide recommends: it leaves room beyond PPTP's own 44 bytes for a PPPoE hop (8) or
 * another tunnel on the way back, which a one-way probe does not see.
 */
export const SAFE_TUNNEL_MTU = 1400;
/** Smallest datagram every IPv4 host must accept (RFC 791), and the smallest path the probe looks for. */
export const MIN_IPV4_MTU = 576;

export interface TunnelMtuAdvice {
  readonly pathMtu: number;
  /** pathMtu minus PPTP's overhead: the largest inner packet that crosses the path unfragmented. */
  readonly maxTunnelMtu: number;
  /** What to set: the smaller of maxTunnelMtu and SAFE_TUNNEL_MTU. */
  readonly tunnelMtu: number;
  readonly mss: number;
  /** Whether the path is narrower than the usual 1500-byte Ethernet (less than SAFE_TUNNEL_MTU fits). */
  readonly narrow: boolean;
}

export function tunnelMtuAdvice(pathMtu: number): TunnelMtuAdvice {
  const maxTunnelMtu = pathMtu - PPTP_OVERHEAD_BYTES;
  const tunnelMtu = Math.min(maxTunnelMtu, SAFE_TUNNEL_MTU);
  return {
    pathMtu,
    maxTunnelMtu,
    tunnelMtu,
    mss: tunnelMtu - TCP_IPV4_HEADERS,
    narrow: maxTunnelMtu < SAFE_TUNNEL_MTU,
  };
}

/** One sentence showing the arithmetic, for the finding's detail. */
export function explainOverhead(pathMtu: number): string {
  const { outerIpv4, gre, ppp, mppe } = PPTP_OVERHEAD;
  return (
    `PPTP adds up to ${PPTP_OVERHEAD_BYTES} bytes to every packet (outer IPv4 ${outerIpv4} + GRE ${gre} with ` +
    `sequence and acknowledgement numbers + PPP ${ppp} + MPPE ${mppe}), so ${pathMtu} - ${PPTP_OVERHEAD_BYTES} = ` +
    `${pathMtu - PPTP_OVERHEAD_BYTES} bytes fit inside the tunnel`
  );
}
