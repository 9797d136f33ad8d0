/**
 * GRE probes (PROTOCOL.md section 6.5): a client sends the relay's relayAddress an enhanced-GRE packet with key and
 * sequence number, Call ID 0 and a 9-byte `probe` as its payload, to learn whether its network passes GRE at all.
 * The reply is the same kind of packet carrying `probe-reply`: never larger than the probe (no amplification), and
 * at most 10 a second per source address.
 *
 * Pure: the relay's GreProbeAnswerer and ferry diagnose's relay GRE probe move the packets.
 */
import {
  greCallId,
  greHasSeq,
  greHeaderLengthOf,
  greHeaderProblem,
  grePayloadLength,
  greSeq,
  writeGreHeaderFields,
} from "@ferry/pptp-client/wire";
import { emitRelayMessage, parseRelayMessage } from "../wire/relay-messages.js";
import { RateLimiter } from "./rate-limit.js";

/** The Call ID of GRE probes; the relay never gives it to a session. */
export const GRE_PROBE_CALL_ID = 0;
export const GRE_PROBES_PER_SECOND = 10;
/** A probe's payload: the type byte, id and sentAt. */
const PROBE_MESSAGE_LENGTH = 9;
/** The header of what emitGreProbe writes: key and sequence number, no acknowledgement. */
const PROBE_HEADER_LENGTH = 12;
/** Sources remembered at once; beyond it, probes from new sources are ignored until old ones go quiet. */
const MAX_TRACKED_SOURCES = 4096;

/** A probe or probe-reply carried in GRE, as parseGreProbe finds it. */
export interface GreProbeMessage {
  readonly type: "probe" | "probe-reply";
  readonly id: number;
  readonly sentAt: number;
  /** The GRE sequence number; a reply carries the probe's. */
  readonly seq: number;
}

/** The GRE packet carrying `message` (the wire order of section 6.5, with no acknowledgement). */
export function emitGreProbe(message: GreProbeMessage): Uint8Array {
  const body = emitRelayMessage({ type: message.type, id: message.id, sentAt: message.sentAt });
  const out = new Uint8Array(PROBE_HEADER_LENGTH + body.length);
  out.set(body, PROBE_HEADER_LENGTH);
  writeGreHeaderFields(out, PROBE_HEADER_LENGTH, GRE_PROBE_CALL_ID, body.length, message.seq, undefined);
  return out;
}

/** The probe or probe-reply in a GRE packet, or undefined for anything else (never throws). */
export function parseGreProbe(packet: Uint8Array): GreProbeMessage | undefined {
  if (greHeaderProblem(packet) !== undefined || !greHasSeq(packet)) return undefined;
  if (greCallId(packet) !== GRE_PROBE_CALL_ID || grePayloadLength(packet) !== PROBE_MESSAGE_LENGTH)
    return undefined;
  const start = greHeaderLengthOf(packet);
  const message = parseRelayMessage(packet.subarray(start, start + PROBE_MESSAGE_LENGTH));
  if (!message.ok || (message.value.type !== "probe" && message.value.type !== "probe-reply"))
    return undefined;
  return {
    type: message.value.type,
    id: message.value.id,
    sentAt: message.value.sentAt,
    seq: greSeq(packet),
  };
}

export class GreProbeResponder {
  private readonly limiters = new Map<string, RateLimiter>();

  /** The GRE packet answering `packet` from `source`, or undefined: not a probe, or over the source's limit. */
  reply(packet: Uint8Array, source: string, now: number): Uint8Array | undefined {
    const probe = parseGreProbe(packet);
    if (probe?.type !== "probe") return undefined;
    if (!this.limiterFor(source, now)?.allow(now)) return undefined;
    return emitGreProbe({ ...probe, type: "probe-reply" });
  }

  /** Sources with a limiter right now (bounded). */
  get trackedSources(): number {
    return this.limiters.size;
  }

  private limiterFor(source: string, now: number): RateLimiter | undefined {
    let limiter = this.limiters.get(source);
    if (limiter !== undefined) return limiter;
    if (this.limiters.size >= MAX_TRACKED_SOURCES) {
      for (const [known, old] of this.limiters) if (old.idle(now)) this.limiters.delete(known);
      if (this.limiters.size >= MAX_TRACKED_SOURCES) return undefined;
    }
    limiter = new RateLimiter(GRE_PROBES_PER_SECOND);
    this.limiters.set(source, limiter);
    return limiter;
  }
}
