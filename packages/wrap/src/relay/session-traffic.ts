/**
 * A RelaySession's traffic: the queue of actions it asks of the I/O layer, and the relay-wide counts of every frame
 * and byte through it, by direction and channel, and of every GRE packet it drops. All of the session's traffic
 * passes here, so no path can forget to count.
 */
import { emitControlFrames, emitWrapFrame, WRAP_CHANNEL_TAG } from "../wire/frame.js";
import type { RelayMessage } from "../wire/relay-messages.js";
import { countFlow, type FlowChannel, type GreDropReason, type RelayCounters } from "./relay-counters.js";

export type RelayAction =
  /** Resolve the hello's server to an IPv4 address, then call `resolved()`. */
  | { readonly type: "resolve"; readonly server: string }
  /** Open TCP 1723 (and the GRE path) to `address`, then call `serverConnected()` or `serverFailed()`. */
  | { readonly type: "dial"; readonly address: string }
  /** One WebSocket message to the client. `control` marks frames that carry control bytes (never dropped). */
  | { readonly type: "send-client"; readonly frame: Uint8Array; readonly control: boolean }
  /** Control bytes for TCP 1723. */
  | { readonly type: "send-server"; readonly bytes: Uint8Array }
  /** A GRE packet for the server (from the GRE header on). */
  | { readonly type: "send-gre"; readonly packet: Uint8Array }
  | { readonly type: "close-client"; readonly status: number; readonly reason: string }
  /** Close TCP 1723 (after the bytes already sent) and stop routing GRE to this session. */
  | { readonly type: "close-server" };

/** The actions that carry no traffic. */
type SignalAction = Extract<
  RelayAction,
  { readonly type: "resolve" | "dial" | "close-client" | "close-server" }
>;

export class SessionTraffic {
  private readonly actions: RelayAction[] = [];

  constructor(private readonly counters: RelayCounters) {}

  poll(): RelayAction | undefined {
    return this.actions.shift();
  }

  signal(action: SignalAction): void {
    this.actions.push(action);
  }

  /** One WebSocket message from the client, counted by its channel tag whatever becomes of it. */
  fromClient(message: Uint8Array): void {
    countFlow(this.counters, "from_client", channelOf(message), message.length);
  }

  /** Control bytes read from TCP 1723. */
  fromServer(bytes: Uint8Array): void {
    countFlow(this.counters, "from_server", "control", bytes.length);
  }

  sendServer(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    countFlow(this.counters, "to_server", "control", bytes.length);
    this.actions.push({ type: "send-server", bytes });
  }

  sendGre(packet: Uint8Array): void {
    countFlow(this.counters, "to_server", "gre", packet.length);
    this.actions.push({ type: "send-gre", packet });
  }

  sendControlToClient(bytes: Uint8Array): void {
    for (const frame of emitControlFrames(bytes)) this.sendClient(frame, true);
  }

  sendRelay(message: RelayMessage): void {
    this.sendClient(emitWrapFrame({ channel: "relay", message }), true);
  }

  sendClient(frame: Uint8Array, control: boolean): void {
    countFlow(this.counters, "to_client", channelOf(frame), frame.length);
    this.actions.push({ type: "send-client", frame, control });
  }

  dropGre(reason: GreDropReason): void {
    this.counters.greDropped[reason]++;
  }
}

/** The counting channel of a frame's tag byte. */
function channelOf(frame: Uint8Array): FlowChannel {
  switch (frame[0]) {
    case WRAP_CHANNEL_TAG.control:
      return "control";
    case WRAP_CHANNEL_TAG.gre:
      return "gre";
    case WRAP_CHANNEL_TAG.relay:
      return "relay";
    default:
      return "unknown";
  }
}
