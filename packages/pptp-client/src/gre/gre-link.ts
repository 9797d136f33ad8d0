import { earliestDeadline } from "../util/deadline.js";
import { ViewQueue } from "../util/view-queue.js";
import {
  greAck,
  greCallId,
  greHasAck,
  greHasSeq,
  greHeaderLength,
  greHeaderLengthOf,
  greHeaderProblem,
  grePayloadLength,
  greSeq,
  writeGreHeaderFields,
} from "../wire/gre.js";
import { MAX_REORDER_PACKETS, ReorderBuffer } from "./reorder-buffer.js";

export interface GreLinkConfig {
  /** How long a gap may wait for a late packet before we skip it (pptp-linux --timeout semantics); 0 never waits. */
  reorderTimeoutMs: number;
  /** Reorder buffer size; when full, skip the gap at once. 0 turns reordering off (pptp-linux --nobuffer). */
  maxReorderPackets: number;
  /** Send an ack-only packet if no data went out this long after we received data. */
  ackDelayMs: number;
}

/**
 * rxPackets counts every packet handed to receive() and txPackets every packet the link produced (data and
 * ack-only); the other counters are subsets. rxLost is the loss the sequence numbers reveal.
 */
export interface GreCounters {
  rxPackets: number;
  rxDelivered: number;
  rxDuplicates: number;
  rxStale: number;
  rxLost: number;
  rxReordered: number;
  rxMalformed: number;
  rxWrongCallId: number;
  rxAckOnly: number;
  txPackets: number;
  txAckOnly: number;
}

const ACK_ONLY_LENGTH = greHeaderLength(false, true);

/**
 * One call's enhanced-GRE data channel (RFC 2637 section 4), sans-IO: sequence numbers and piggybacked
 * acknowledgements on the way out; validation, call-id filtering and reordering on the way in. Acks received are
 * only recorded: like pptpd and Linux, we run no sliding-window flow control.
 */
export class GreLink {
  readonly counters: GreCounters = {
    rxPackets: 0,
    rxDelivered: 0,
    rxDuplicates: 0,
    rxStale: 0,
    rxLost: 0,
    rxReordered: 0,
    rxMalformed: 0,
    rxWrongCallId: 0,
    rxAckOnly: 0,
    txPackets: 0,
    txAckOnly: 0,
  };
  private readonly payloads = new ViewQueue(64);
  private readonly packets = new ViewQueue(4);
  private readonly reorder: ReorderBuffer;
  private readonly ackDelayMs: number;
  private ourCallId: number | undefined;
  private peerCallId = 0;
  private nextSeq = 0;
  private dataSent = false;
  /** Something was delivered since we last acknowledged. */
  private ackPending = false;
  private ackDeadline = 0;
  private lastReceive: number | undefined;
  private highestPeerAck: number | undefined;

  constructor(config: GreLinkConfig) {
    const { reorderTimeoutMs, maxReorderPackets, ackDelayMs } = config;
    if (!(reorderTimeoutMs >= 0) || !(ackDelayMs >= 0)) {
      throw new RangeError("GRE reorder timeout and ack delay must be non-negative numbers of milliseconds");
    }
    if (
      !Number.isInteger(maxReorderPackets) ||
      maxReorderPackets < 0 ||
      maxReorderPackets > MAX_REORDER_PACKETS
    ) {
      throw new RangeError(`GRE reorder buffer size must be an integer from 0 to ${MAX_REORDER_PACKETS}`);
    }
    this.ackDelayMs = ackDelayMs;
    this.reorder = new ReorderBuffer(maxReorderPackets, reorderTimeoutMs, this.payloads, this.counters);
  }

  /** Known once the call is set up: ourCallId is what the peer puts in the key of packets to us; peerCallId goes in ours. */
  setCallIds(ourCallId: number, peerCallId: number): void {
    this.ourCallId = ourCallId & 0xffff;
    this.peerCallId = peerCallId & 0xffff;
  }

  /** Last valid packet from the peer (data or ack): for GRE_TIMEOUT detection. */
  get lastReceiveTime(): number | undefined {
    return this.lastReceive;
  }

  /** The highest of our sequence numbers the peer has acknowledged, if any. */
  get peerAck(): number | undefined {
    return this.highestPeerAck;
  }

  /**
   * Writes a header before buf[payloadOff, payloadOff+payloadLen) (payloadOff >= GRE_MAX_HEADER_LENGTH) with the next
   * sequence number and a piggybacked ack if one is owed; returns the whole packet as a subarray of buf.
   * Allocation-free apart from the returned view. (Sending starts no timer, so the time is not needed yet; it stays
   * in the signature so every input of the core carries it.)
   */
  seal(buf: Uint8Array, payloadOff: number, payloadLen: number, _now: number): Uint8Array {
    const ack = this.ackPending ? this.reorder.lastDelivered : undefined;
    const start = writeGreHeaderFields(buf, payloadOff, this.peerCallId, payloadLen, this.nextSeq, ack);
    this.nextSeq = (this.nextSeq + 1) >>> 0;
    this.dataSent = true;
    this.ackPending = false;
    this.counters.txPackets++;
    return buf.subarray(start, payloadOff + payloadLen);
  }

  /** One GRE packet from the peer (no IP header). Payloads come out of pollPayload in sequence order. */
  receive(packet: Uint8Array, now: number): void {
    const counters = this.counters;
    counters.rxPackets++;
    if (greHeaderProblem(packet) !== undefined) {
      counters.rxMalformed++;
      return;
    }
    if (greCallId(packet) !== this.ourCallId) {
      counters.rxWrongCallId++;
      return;
    }
    const hasSeq = greHasSeq(packet);
    const hasAck = greHasAck(packet);
    const payloadLength = grePayloadLength(packet);
    // Without a sequence number a packet may only be an acknowledgement, and then it carries no payload.
    if (!hasSeq && (!hasAck || payloadLength !== 0)) {
      counters.rxMalformed++;
      return;
    }
    this.lastReceive = now;
    if (hasAck) this.recordPeerAck(greAck(packet));
    if (!hasSeq) {
      counters.rxAckOnly++;
      return;
    }
    const headerLength = greHeaderLengthOf(packet);
    const deliveredBefore = counters.rxDelivered;
    this.reorder.accept(greSeq(packet), packet.subarray(headerLength, headerLength + payloadLength), now);
    this.reorder.expire(now);
    if (counters.rxDelivered !== deliveredBefore) this.owesAck(now);
  }

  /** A received payload, in sequence order: a subarray of the packet given to receive() (no copy). */
  pollPayload(): Uint8Array | undefined {
    return this.payloads.shift();
  }

  /** Packets the link made itself (ack-only). */
  pollPacket(): Uint8Array | undefined {
    return this.packets.shift();
  }

  nextTimeout(): number | undefined {
    return earliestDeadline(this.reorder.deadline(), this.ackPending ? this.ackDeadline : undefined);
  }

  handleTimeout(now: number): void {
    const deliveredBefore = this.counters.rxDelivered;
    this.reorder.expire(now);
    if (this.counters.rxDelivered !== deliveredBefore) this.owesAck(now);
    if (this.ackPending && now >= this.ackDeadline) this.queueAckOnly();
  }

  /** The ack clock starts at the first delivery not yet acknowledged; later ones ride on the same deadline. */
  private owesAck(now: number): void {
    if (this.ackPending) return;
    this.ackPending = true;
    this.ackDeadline = now + this.ackDelayMs;
  }

  private queueAckOnly(): void {
    const packet = new Uint8Array(ACK_ONLY_LENGTH);
    writeGreHeaderFields(packet, ACK_ONLY_LENGTH, this.peerCallId, 0, undefined, this.reorder.lastDelivered);
    this.packets.push(packet);
    this.ackPending = false;
    this.counters.txPackets++;
    this.counters.txAckOnly++;
  }

  /** Keeps the highest ack (serial order) for a packet we really sent; anything else is ignored. */
  private recordPeerAck(ack: number): void {
    if (!this.dataSent) return;
    const lastSent = (this.nextSeq - 1) >>> 0;
    if (((lastSent - ack) | 0) < 0) return;
    if (this.highestPeerAck === undefined || ((ack - this.highestPeerAck) | 0) > 0) this.highestPeerAck = ack;
  }
}
