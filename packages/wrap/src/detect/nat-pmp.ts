/**
 * NAT-PMP (RFC 6886 section 3.2): asking the home router for its external address. Only this one exchange is
 * needed: the router's external address against the address the relay sees tells a second NAT (CGNAT) apart.
 *
 *   request   0: version 0   1: opcode 0
 *   response  0: version 0   1: opcode 128   2..3: result code   4..7: seconds since epoch   8..11: address
 *
 * PCP (RFC 6887), NAT-PMP's successor, is not spoken: its only answer to "what is your external address" comes
 * with a MAP request, which opens a port mapping we do not want; routers that speak PCP answer NAT-PMP too.
 */
import { formatIpv4, malformed, type ParseResult, parsed, readU32 } from "@ferry/pptp-client/wire";

export const NAT_PMP_PORT = 5351;
export const NAT_PMP_VERSION = 0;
export const OPCODE_EXTERNAL_ADDRESS = 0;
/** A response's opcode is the request's plus 128. */
export const OPCODE_EXTERNAL_ADDRESS_RESPONSE = 128;
export const EXTERNAL_ADDRESS_RESPONSE_LENGTH = 12;
/** Result code 0; 1..5 are unsupported version, refused, network failure, out of resources, unsupported opcode. */
export const NAT_PMP_SUCCESS = 0;

export interface ExternalAddressResponse {
  readonly resultCode: number;
  /** Seconds since the router's port-mapping table was (re)initialized. */
  readonly epochSeconds: number;
  /** Dotted quad; 0.0.0.0 when the router has no external address yet. */
  readonly externalAddress: string;
}

export function emitExternalAddressRequest(): Uint8Array {
  return Uint8Array.of(NAT_PMP_VERSION, OPCODE_EXTERNAL_ADDRESS);
}

/** Routers may pad a datagram; bytes past the 12 this response has are ignored. A non-zero result still parses. */
export function parseExternalAddressResponse(bytes: Uint8Array): ParseResult<ExternalAddressResponse> {
  if (bytes.length < EXTERNAL_ADDRESS_RESPONSE_LENGTH) {
    return malformed(
      `a NAT-PMP external address response is ${EXTERNAL_ADDRESS_RESPONSE_LENGTH} octets, got ${bytes.length}`,
    );
  }
  if (bytes[0] !== NAT_PMP_VERSION) return malformed(`NAT-PMP version ${bytes[0]} is not 0`);
  if (bytes[1] !== OPCODE_EXTERNAL_ADDRESS_RESPONSE) {
    return malformed(`NAT-PMP opcode ${bytes[1]} is not the external address response (128)`);
  }
  return parsed({
    resultCode: (bytes[2]! << 8) | bytes[3]!,
    epochSeconds: readU32(bytes, 4),
    externalAddress: formatIpv4(readU32(bytes, 8)),
  });
}
