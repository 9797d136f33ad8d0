/**
 * One client's PPTP session as the relay carries it: the client is the PNS, the server the PAC, and the relay sits
 * between them the way a Linux NAT box with nf_conntrack_pptp + nf_nat_pptp does. Towards the server the call uses
 * a relay-unique Call ID, so any number of clients can share the relay's address towards one server:
 *
 *   client -> server  Outgoing-Call-Request  Call ID       client's -> relay's
 *                     Call-Clear-Request     Call ID       client's -> relay's
 *                     Set-Link-Info          Peer Call ID  the server's: unchanged (checked)
 *                     GRE                    key call-id   the server's: unchanged (checked, see checkGreFromClient)
 *   server -> client  Outgoing-Call-Reply    Peer Call ID  relay's -> client's
 *                     Call-Disconnect-Notify Call ID       relay's -> client's (see below)
 *                     WAN-Error-Notify       Peer Call ID  relay's -> client's
 *                     Set-Link-Info          Peer Call ID  relay's -> client's
 *                     GRE                    key call-id   relay's -> client's (rewriteGreFromServer)
 *
 * Call-Disconnect-Notify: RFC 2637 says its Call ID is the PAC's own (pptpd sends that), while nf_nat_pptp rewrites
 * the field to the PNS's Call ID whatever it holds. We map the relay's ID to the client's and let the server's own
 * ID through unchanged: identical to the helper for servers that name the PNS's call, and still RFC-correct for
 * those that name their own (Ferry's client accepts either).
 *
 * Incoming calls (PAC-initiated, Incoming-Call-Request) are refused. The helper passes them through without
 * translating anything, which only works while one PNS sits behind the NAT; a PPTP VPN server never places them
 * anyway. The relay answers the server with Incoming-Call-Reply "Do Not Accept" and never shows the request to the
 * client.
 *
 * Like the helper (and Ferry's client), one call per control connection. Unlike the helper, which lets anything
 * through, the relay is a security boundary: a client that strays from a sane PNS sequence ends the session, a
 * server message about a call that is not this session's is dropped and counted. As with the helper, every forwarded
 * message is the octets its sender wrote with only the Call ID field above patched in place: reserved fields, text
 * and the rest reach the peer as sent. The parsed form only decides what to do.
 */
import { type FerryError, ferryError } from "@ferry/pptp-client";
import {
  CONTROL_HEADER_LENGTH,
  type ControlMessage,
  ControlStreamReader,
  concatBytes,
  emitControlMessage,
  greAck,
  greCallId,
  greHasAck,
  greHasSeq,
  greHeaderLengthOf,
  greHeaderProblem,
  grePayloadLength,
  greSeq,
  writeGreHeaderFields,
  writeU16,
} from "@ferry/pptp-client/wire";
import type { CallIdAllocator } from "./call-id-allocator.js";

/** RFC 2637 result codes the translator reads or writes. */
const START_CONTROL_OK = 1;
const OUTGOING_CALL_CONNECTED = 1;
const INCOMING_CALL_DO_NOT_ACCEPT = 3;

// Where the rewritten Call ID fields sit, in octets from a message's first octet: the 12-octet header, then the body
// as RFC 2637 draws it. The codec keeps its layouts private, so the offsets are named here.
/** Call ID, the body's first field: Outgoing-Call-Request (2.7), Outgoing-Call-Reply (2.8), Call-Clear-Request
 * (2.12), Call-Disconnect-Notify (2.13). */
const CALL_ID_AT = CONTROL_HEADER_LENGTH;
/** Peer Call ID after the sender's own Call ID: Outgoing-Call-Reply (2.8). */
const OUTGOING_CALL_REPLY_PEER_CALL_ID_AT = CONTROL_HEADER_LENGTH + 2;
/** Peer Call ID, the body's first field: WAN-Error-Notify (2.14), Set-Link-Info (2.15). */
const PEER_CALL_ID_AT = CONTROL_HEADER_LENGTH;

/** ControlStreamReader caps what it buffers (16 KiB); feeding it in slices and draining between keeps one large
 * coalesced chunk from tripping that cap. */
const READER_SLICE = 4096;

/** What one chunk of control bytes turned into: bytes for each side (either may be empty), or the session's end. */
export type TranslateResult =
  | { readonly ok: true; readonly toServer: Uint8Array; readonly toClient: Uint8Array }
  | { readonly ok: false; readonly error: FerryError };

export interface TranslatorCounters {
  /** Server messages not forwarded: about another call, out of place, or unusable frames. */
  serverMessagesDropped: number;
  /** Client messages about a call that already ended (a Call-Clear-Request crossing the server's hang-up). */
  clientMessagesDropped: number;
  /** Incoming-Call-Requests the relay refused on the client's behalf. */
  incomingCallsRefused: number;
  /** Server GRE whose call-id is not this session's relay Call ID. */
  greFromServerDropped: number;
  greFromServerMalformed: number;
  /** Client GRE not addressed to this session's server Call ID (spoofing, or before the call is up). */
  greFromClientDropped: number;
  greFromClientMalformed: number;
}

type ControlPhase = "idle" | "starting" | "established";

interface Call {
  readonly clientCallId: number;
  readonly relayCallId: number;
  /** Known once the server's Outgoing-Call-Reply said Connected. */
  serverCallId?: number;
  ended: boolean;
}

/** How a message goes on to the peer: as sent, or with one 16-bit Call ID field overwritten. */
type Forward = "as-sent" | { readonly at: number; readonly callId: number };

/** What to do with one message: forward it, answer its sender with a message of our own, or end the session. */
type Step = { readonly forward?: Forward; readonly reply?: ControlMessage } | FerryError;

export class PptpTranslator {
  readonly counters: TranslatorCounters = {
    serverMessagesDropped: 0,
    clientMessagesDropped: 0,
    incomingCallsRefused: 0,
    greFromServerDropped: 0,
    greFromServerMalformed: 0,
    greFromClientDropped: 0,
    greFromClientMalformed: 0,
  };
  private readonly clientReader = new ControlStreamReader();
  private readonly serverReader = new ControlStreamReader();
  private phase: ControlPhase = "idle";
  private serverAskedStop = false;
  private call: Call | undefined;
  private failure: FerryError | undefined;

  /** `allocator` hands out Call IDs towards this session's PPTP server (shared by every session to that server). */
  constructor(private readonly allocator: CallIdAllocator<PptpTranslator>) {}

  /** Why the session ended, once it has (then every further input returns it). */
  get error(): FerryError | undefined {
    return this.failure;
  }

  /** The Call ID the server knows this session's call by, while the call holds one. */
  get relayCallId(): number | undefined {
    return this.call !== undefined && !this.call.ended ? this.call.relayCallId : undefined;
  }

  get clientCallId(): number | undefined {
    return this.call?.clientCallId;
  }

  get serverCallId(): number | undefined {
    return this.call?.serverCallId;
  }

  /** Control bytes from the client (any TCP-like chunking); `toServer` is what to send on TCP 1723. */
  fromClient(bytes: Uint8Array): TranslateResult {
    return this.translate(bytes, this.clientReader, "client", (message) => this.clientMessage(message));
  }

  /** Control bytes from the server; `toClient` goes to the client, `toServer` back to the server. */
  fromServer(bytes: Uint8Array): TranslateResult {
    return this.translate(bytes, this.serverReader, "server", (message) => this.serverMessage(message));
  }

  /**
   * A GRE packet from the server, rewritten in place to carry the client's Call ID, or undefined (counted) when it
   * is malformed or not for this session's call.
   */
  rewriteGreFromServer(packet: Uint8Array): Uint8Array | undefined {
    if (greHeaderProblem(packet) !== undefined) {
      this.counters.greFromServerMalformed++;
      return undefined;
    }
    const call = this.call;
    if (
      this.failure !== undefined ||
      call === undefined ||
      call.ended ||
      greCallId(packet) !== call.relayCallId
    ) {
      this.counters.greFromServerDropped++;
      return undefined;
    }
    // Re-writing the whole (validated) header in place is the allocation-free way to change only the call-id.
    writeGreHeaderFields(
      packet,
      greHeaderLengthOf(packet),
      call.clientCallId,
      grePayloadLength(packet),
      greHasSeq(packet) ? greSeq(packet) : undefined,
      greHasAck(packet) ? greAck(packet) : undefined,
    );
    return packet;
  }

  /**
   * Whether a GRE packet from the client may go to the server unchanged: only well-formed packets addressed to this
   * session's server Call ID pass, so a client cannot spray GRE into other clients' calls on the same server.
   */
  checkGreFromClient(packet: Uint8Array): boolean {
    if (greHeaderProblem(packet) !== undefined) {
      this.counters.greFromClientMalformed++;
      return false;
    }
    const call = this.call;
    if (
      this.failure !== undefined ||
      call === undefined ||
      call.ended ||
      call.serverCallId === undefined ||
      greCallId(packet) !== call.serverCallId
    ) {
      this.counters.greFromClientDropped++;
      return false;
    }
    return true;
  }

  /** The client or server connection closed: frees the relay Call ID. Further input returns an error. */
  close(): void {
    this.endCall();
    this.failure ??= ferryError(
      "SERVER_STOPPED",
      "The relayed PPTP session is closed.",
      "Connect again to start a new session.",
    );
  }

  private translate(
    bytes: Uint8Array,
    reader: ControlStreamReader,
    side: "client" | "server",
    handle: (message: ControlMessage) => Step,
  ): TranslateResult {
    if (this.failure !== undefined) return { ok: false, error: this.failure };
    const forward: Uint8Array[] = [];
    const reply: Uint8Array[] = [];
    for (let off = 0; off < bytes.length; off += READER_SLICE) {
      reader.push(bytes.subarray(off, off + READER_SLICE));
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        let step: Step;
        if (!frame.ok) step = framingError(side, frame.reason);
        else if (frame.value.kind === "ignored") step = this.unusableFrame(side, frame.value.reason);
        else step = handle(frame.value.message);
        if ("code" in step) return this.fail(step);
        if (step.forward !== undefined && frame.ok) forward.push(forwarded(frame.value.bytes, step.forward));
        if (step.reply !== undefined) reply.push(emitControlMessage(step.reply));
      }
    }
    const toPeer = concatBytes(...forward);
    const toSender = concatBytes(...reply);
    return side === "client"
      ? { ok: true, toServer: toPeer, toClient: toSender }
      : { ok: true, toServer: toSender, toClient: toPeer };
  }

  private unusableFrame(side: "client" | "server", reason: string): Step {
    if (side === "client") return clientError(`it sent a control frame the relay cannot use (${reason})`);
    this.counters.serverMessagesDropped++;
    return {};
  }

  /** The PNS side: only what a sane PNS sends, in order. */
  private clientMessage(message: ControlMessage): Step {
    if (this.phase === "idle" && message.type !== "start-control-connection-request") {
      return clientError(`it sent ${message.type} before start-control-connection-request`);
    }
    switch (message.type) {
      case "start-control-connection-request":
        if (this.phase !== "idle") return clientError("it sent a second start-control-connection-request");
        this.phase = "starting";
        return { forward: "as-sent" };
      case "stop-control-connection-request":
      case "echo-request":
      case "echo-reply":
        return { forward: "as-sent" };
      case "stop-control-connection-reply":
        if (!this.serverAskedStop) {
          return clientError("it sent stop-control-connection-reply though the server asked for no stop");
        }
        return { forward: "as-sent" };
      case "outgoing-call-request":
        return this.outgoingCallRequest(message);
      case "call-clear-request": {
        const call = this.call;
        if (call === undefined || message.callId !== call.clientCallId) {
          return clientError(`its call-clear-request names Call ID ${message.callId}, not its own call`);
        }
        if (call.ended) return this.droppedFromClient();
        return { forward: { at: CALL_ID_AT, callId: call.relayCallId } };
      }
      case "set-link-info": {
        const call = this.call;
        if (call?.serverCallId === undefined || message.peerCallId !== call.serverCallId) {
          return clientError(`its set-link-info names Peer Call ID ${message.peerCallId}, not its call's`);
        }
        if (call.ended) return this.droppedFromClient();
        return { forward: "as-sent" };
      }
      case "incoming-call-reply":
        return clientError("it answered an incoming call, which the relay never offers");
      default:
        return clientError(`it sent ${message.type}, which only a PPTP server sends`);
    }
  }

  private outgoingCallRequest(message: ControlMessage & { type: "outgoing-call-request" }): Step {
    if (this.call !== undefined) {
      return clientError(
        "it sent a second outgoing-call-request; the relay carries one call per control connection",
      );
    }
    if (this.phase !== "established") {
      return clientError("it sent outgoing-call-request before the server accepted the control connection");
    }
    const allocation = this.allocator.allocate(this);
    if (!allocation.ok) return allocation.error;
    this.call = { clientCallId: message.callId, relayCallId: allocation.callId, ended: false };
    return { forward: { at: CALL_ID_AT, callId: allocation.callId } };
  }

  private droppedFromClient(): Step {
    this.counters.clientMessagesDropped++;
    return {};
  }

  /** The PAC side: forwarded when it concerns this session, dropped and counted when it does not. */
  private serverMessage(message: ControlMessage): Step {
    const call = this.call !== undefined && !this.call.ended ? this.call : undefined;
    switch (message.type) {
      case "start-control-connection-reply":
        if (this.phase !== "starting") return this.droppedFromServer();
        // Result 0 is undefined, yet some servers mean success by it (Ferry's client and pptp-linux accept it).
        if (message.resultCode === START_CONTROL_OK || message.resultCode === 0) this.phase = "established";
        return { forward: "as-sent" };
      case "stop-control-connection-request":
        this.serverAskedStop = true;
        return { forward: "as-sent" };
      case "stop-control-connection-reply":
      case "echo-request":
      case "echo-reply":
        return { forward: "as-sent" };
      case "outgoing-call-reply":
        if (
          call === undefined ||
          call.serverCallId !== undefined ||
          message.peerCallId !== call.relayCallId
        ) {
          return this.droppedFromServer();
        }
        if (message.resultCode === OUTGOING_CALL_CONNECTED) call.serverCallId = message.callId;
        else this.endCall();
        return { forward: { at: OUTGOING_CALL_REPLY_PEER_CALL_ID_AT, callId: call.clientCallId } };
      case "call-disconnect-notify": {
        if (call === undefined) return this.droppedFromServer();
        let forward: Forward;
        if (message.callId === call.relayCallId) forward = { at: CALL_ID_AT, callId: call.clientCallId };
        else if (call.serverCallId !== undefined && message.callId === call.serverCallId) forward = "as-sent";
        else return this.droppedFromServer();
        this.endCall();
        return { forward };
      }
      case "wan-error-notify":
      case "set-link-info":
        if (call === undefined || message.peerCallId !== call.relayCallId) return this.droppedFromServer();
        return { forward: { at: PEER_CALL_ID_AT, callId: call.clientCallId } };
      case "incoming-call-request":
        this.counters.incomingCallsRefused++;
        return {
          reply: {
            type: "incoming-call-reply",
            callId: 0,
            peerCallId: message.callId,
            resultCode: INCOMING_CALL_DO_NOT_ACCEPT,
            errorCode: 0,
            recvWindowSize: 0,
            transmitDelay: 0,
          },
        };
      default:
        // PNS-only messages, and Incoming-Call-Connected for a call we refused.
        return this.droppedFromServer();
    }
  }

  private droppedFromServer(): Step {
    this.counters.serverMessagesDropped++;
    return {};
  }

  /** The call is over: its relay Call ID goes back to the pool (the call itself is remembered: one per session). */
  private endCall(): void {
    const call = this.call;
    if (call === undefined || call.ended) return;
    call.ended = true;
    this.allocator.release(call.relayCallId, this);
  }

  private fail(error: FerryError): TranslateResult {
    this.endCall();
    this.failure = error;
    return { ok: false, error };
  }
}

function clientError(what: string): FerryError {
  return ferryError(
    "PROTOCOL_ERROR",
    `The relay closed the session because the client broke the PPTP control sequence: ${what}.`,
    "Use a PPTP client that speaks RFC 2637 as a PNS (Ferry does); this is not a network problem.",
  );
}

function framingError(side: "client" | "server", reason: string): FerryError {
  return side === "client"
    ? ferryError(
        "PROTOCOL_ERROR",
        `The relay closed the session because the client's PPTP control stream is corrupt (${reason}).`,
        "Reconnect; if it happens again, report it with a capture of the wrapped session.",
      )
    : ferryError(
        "PROTOCOL_ERROR",
        `The PPTP server's control stream is corrupt (${reason}), so the relay closed the session.`,
        "Check that TCP 1723 on the server is really a PPTP server, and that nothing between relay and server rewrites it.",
      );
}

/** A message's octets as they go on: `original` itself (the caller copies it out), or a patched copy. */
function forwarded(original: Uint8Array, forward: Forward): Uint8Array {
  if (forward === "as-sent") return original;
  const patched = original.slice();
  writeU16(patched, forward.at, forward.callId);
  return patched;
}
