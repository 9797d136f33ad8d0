/**
 * The relay forwards each control message as its sender wrote it, with only the Call ID field it translates patched
 * in place (as nf_nat_pptp does): non-zero reserved fields, octets 0x80-0x9F in text, junk after a text's NUL and a
 * careless Phone Number Length all arrive unchanged. Every message here is laid out by hand from RFC 2637 section 2.
 */
import { describe, expect, it } from "vitest";
import type { PptpTranslator } from "../../src/relay/pptp-translator.js";
import {
  C1_OCTETS,
  connectCall,
  emit,
  handMade,
  newTranslator,
  ocrq,
  ok,
  sccrp,
  sccrq,
  textField,
} from "./relay-fixtures.js";

const CLIENT_CALL_ID = 0x4242;
const SERVER_CALL_ID = 0x0180;
/** What a fresh allocator hands out first. */
const RELAY_CALL_ID = 0x0001;

const hi = (u16: number) => u16 >> 8;
const lo = (u16: number) => u16 & 0xff;

/** Section 2.1: Start-Control-Connection-Request, 156 octets. */
// biome-ignore format: one row per line of the RFC drawing
const startRequest = handMade(1, [
  0x01, 0x00, 0xbe, 0xef, // Protocol Version, Reserved1 (not zero)
  0x00, 0x00, 0x00, 0x01, // Framing Capabilities
  0x00, 0x00, 0x00, 0x01, // Bearer Capabilities
  0x00, 0x00, 0x00, 0x01, // Maximum Channels, Firmware Revision
  ...textField(C1_OCTETS, 64), // Host Name
  ...textField(C1_OCTETS, 64), // Vendor String
]);

/** Section 2.2: Start-Control-Connection-Reply, 156 octets. */
// biome-ignore format: one row per line of the RFC drawing
const startReply = handMade(2, [
  0x01, 0x00, 0x01, 0x00, // Protocol Version, Result Code 1, Error Code
  0x00, 0x00, 0x00, 0x01, // Framing Capabilities
  0x00, 0x00, 0x00, 0x01, // Bearer Capabilities
  0x00, 0x01, 0x00, 0x01, // Maximum Channels, Firmware Revision
  ...textField(C1_OCTETS, 64), // Host Name
  ...textField(C1_OCTETS, 64), // Vendor String
]);

/** Section 2.7: Outgoing-Call-Request, 168 octets, with a Phone Number Length that does not match the text. */
// biome-ignore format: one row per line of the RFC drawing
const outgoingRequest = handMade(7, [
  hi(CLIENT_CALL_ID), lo(CLIENT_CALL_ID), 0x00, 0x09, // Call ID, Call Serial Number
  0x00, 0x00, 0x09, 0x60, // Minimum BPS
  0x00, 0x98, 0x96, 0x80, // Maximum BPS
  0x00, 0x00, 0x00, 0x03, // Bearer Type
  0x00, 0x00, 0x00, 0x03, // Framing Type
  0x00, 0x40, 0x00, 0x00, // Packet Recv. Window Size, Packet Processing Delay
  0x00, 0xff, 0x5a, 0xa5, // Phone Number Length (careless), Reserved1 (not zero)
  ...textField(C1_OCTETS, 64), // Phone Number
  ...textField(C1_OCTETS, 64), // Subaddress
]);

/** Section 2.8: Outgoing-Call-Reply, 32 octets (no body reserved field; Reserved0 is set). */
// biome-ignore format: one row per line of the RFC drawing
const outgoingReply = handMade(8, [
  hi(SERVER_CALL_ID), lo(SERVER_CALL_ID), hi(RELAY_CALL_ID), lo(RELAY_CALL_ID), // Call ID, Peer's Call ID
  0x01, 0x00, 0x00, 0x00, // Result Code 1 (Connected), Error Code, Cause Code
  0x00, 0x98, 0x96, 0x80, // Connect Speed
  0x00, 0x40, 0x00, 0x00, // Packet Recv. Window Size, Packet Processing Delay
  0x00, 0x00, 0x00, 0x00, // Physical Channel ID
]);

/** Section 2.12: Call-Clear-Request, 16 octets. */
function clearRequest(callId: number): Uint8Array {
  return handMade(12, [hi(callId), lo(callId), 0x12, 0x34]); // Call ID, Reserved1 (not zero)
}

/** Section 2.13: Call-Disconnect-Notify, 148 octets, with Call Statistics a windows-1252 round trip would change. */
function disconnectNotify(callId: number): Uint8Array {
  // biome-ignore format: one row per line of the RFC drawing
  return handMade(13, [
    hi(callId), lo(callId), 0x03, 0x00, // Call ID, Result Code 3, Error Code
    0x00, 0x00, 0x77, 0x88, // Cause Code, Reserved1 (not zero)
    ...textField(C1_OCTETS, 128), // Call Statistics
  ]);
}

/** Section 2.14: WAN-Error-Notify, 40 octets. */
// biome-ignore format: one row per line of the RFC drawing
const wanErrorNotify = handMade(14, [
  hi(RELAY_CALL_ID), lo(RELAY_CALL_ID), 0xca, 0xfe, // Peer's Call ID, Reserved1 (not zero)
  0x00, 0x00, 0x00, 0x01, // CRC Errors
  0x00, 0x00, 0x00, 0x02, // Framing Errors
  0x00, 0x00, 0x00, 0x03, // Hardware Overruns
  0x00, 0x00, 0x00, 0x04, // Buffer Overruns
  0x00, 0x00, 0x00, 0x05, // Time-out Errors
  0x00, 0x00, 0x00, 0x06, // Alignment Errors
]);

/** Section 2.15: Set-Link-Info, 24 octets. */
function setLinkInfo(peerCallId: number): Uint8Array {
  // biome-ignore format: one row per line of the RFC drawing
  return handMade(15, [
    hi(peerCallId), lo(peerCallId), 0xd0, 0x0d, // Peer's Call ID, Reserved1 (not zero)
    0xff, 0xff, 0xff, 0xff, // Send ACCM
    0x00, 0x00, 0x00, 0x00, // Receive ACCM
  ]);
}

/** Section 2.3: Stop-Control-Connection-Request, 16 octets. */
const stopRequest = handMade(3, [0x01, 0x99, 0x99, 0x99]); // Reason, Reserved1, Reserved2 (not zero)

/** Section 2.6: Echo-Reply, 20 octets. */
// biome-ignore format: one row per line of the RFC drawing
const echoReply = handMade(6, [
  0x00, 0x00, 0x00, 0x4d, // Identifier
  0x01, 0x00, 0x44, 0x44, // Result Code, Error Code, Reserved1 (not zero)
]);

type Setup = (t: PptpTranslator) => void;
const fresh: Setup = () => {};
const started: Setup = (t) => {
  ok(t.fromClient(emit(sccrq)));
};
const established: Setup = (t) => {
  started(t);
  ok(t.fromServer(emit(sccrp)));
};
const calling: Setup = (t) => {
  established(t);
  ok(t.fromClient(emit(ocrq(CLIENT_CALL_ID))));
};
const inCall: Setup = (t) => {
  expect(connectCall(t, CLIENT_CALL_ID, SERVER_CALL_ID)).toBe(RELAY_CALL_ID);
};

/** The one field the relay writes: its offset from the message's first octet and the Call ID it must hold. */
type Patch = { readonly at: number; readonly callId: number } | undefined;

const cases: [string, Setup, "client" | "server", Uint8Array, Patch][] = [
  ["client Start-Control-Connection-Request", fresh, "client", startRequest, undefined],
  ["server Start-Control-Connection-Reply", started, "server", startReply, undefined],
  [
    "client Outgoing-Call-Request (Call ID)",
    established,
    "client",
    outgoingRequest,
    { at: 12, callId: RELAY_CALL_ID },
  ],
  [
    "server Outgoing-Call-Reply (Peer's Call ID)",
    calling,
    "server",
    outgoingReply,
    { at: 14, callId: CLIENT_CALL_ID },
  ],
  [
    "client Call-Clear-Request (Call ID)",
    inCall,
    "client",
    clearRequest(CLIENT_CALL_ID),
    { at: 12, callId: RELAY_CALL_ID },
  ],
  [
    "server Call-Disconnect-Notify naming the relay's Call ID",
    inCall,
    "server",
    disconnectNotify(RELAY_CALL_ID),
    { at: 12, callId: CLIENT_CALL_ID },
  ],
  [
    "server Call-Disconnect-Notify naming the server's own Call ID",
    inCall,
    "server",
    disconnectNotify(SERVER_CALL_ID),
    undefined,
  ],
  [
    "server WAN-Error-Notify (Peer's Call ID)",
    inCall,
    "server",
    wanErrorNotify,
    { at: 12, callId: CLIENT_CALL_ID },
  ],
  [
    "server Set-Link-Info (Peer's Call ID)",
    inCall,
    "server",
    setLinkInfo(RELAY_CALL_ID),
    { at: 12, callId: CLIENT_CALL_ID },
  ],
  [
    "client Set-Link-Info (the server's Call ID, checked)",
    inCall,
    "client",
    setLinkInfo(SERVER_CALL_ID),
    undefined,
  ],
  ["client Stop-Control-Connection-Request", started, "client", stopRequest, undefined],
  ["server Stop-Control-Connection-Request", started, "server", stopRequest, undefined],
  ["client Echo-Reply", started, "client", echoReply, undefined],
  ["server Echo-Reply", started, "server", echoReply, undefined],
];

/** `sent` with only the patched Call ID changed: what the peer must receive. */
function expected(sent: Uint8Array, patch: Patch): Uint8Array {
  const out = sent.slice();
  if (patch !== undefined) out.set([hi(patch.callId), lo(patch.callId)], patch.at);
  return out;
}

describe("PptpTranslator forwards the octets as sent, patching only the Call ID", () => {
  it.each(cases)("%s", (_name, setup, side, message, patch) => {
    const t = newTranslator();
    setup(t);
    const sent = message.slice();
    const result = ok(side === "client" ? t.fromClient(message) : t.fromServer(message));
    const [toPeer, toSender] =
      side === "client" ? [result.toServer, result.toClient] : [result.toClient, result.toServer];
    expect(toPeer).toEqual(expected(sent, patch));
    expect(toSender).toHaveLength(0);
    // The input is the caller's buffer: it is read, never written.
    expect(message).toEqual(sent);
    expect(t.error).toBeUndefined();
  });

  it("patches each message of a coalesced chunk, and the same one octet at a time", () => {
    const serverStream = new Uint8Array([
      ...setLinkInfo(RELAY_CALL_ID),
      ...wanErrorNotify,
      ...echoReply,
      ...disconnectNotify(RELAY_CALL_ID),
    ]);
    const want = new Uint8Array([
      ...expected(setLinkInfo(RELAY_CALL_ID), { at: 12, callId: CLIENT_CALL_ID }),
      ...expected(wanErrorNotify, { at: 12, callId: CLIENT_CALL_ID }),
      ...echoReply,
      ...expected(disconnectNotify(RELAY_CALL_ID), { at: 12, callId: CLIENT_CALL_ID }),
    ]);

    const whole = newTranslator();
    inCall(whole);
    expect(ok(whole.fromServer(serverStream)).toClient).toEqual(want);

    const split = newTranslator();
    inCall(split);
    const pieces = [...serverStream].map((octet) => ok(split.fromServer(Uint8Array.of(octet))).toClient);
    expect(new Uint8Array(pieces.flatMap((piece) => [...piece]))).toEqual(want);
  });
});
