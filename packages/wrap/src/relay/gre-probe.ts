/**
 * GRE probes (PROTOCOL.md section 6.5): a client sends the relay's relayAddress an enhanced-GRE packet with key and
 * sequence number, Call ID 0 and a 9-byte `probe` as its payload, to learn whether its network passes GRE at all.
 * The reply is the same kind of packet carrying `probe-reply`: never larger than the probe (no amplification), and
 * at most 10 a second per source address.
 *
 * This is the pure building block. The relay does not answer GRE probes yet: its raw GRE socket (the native addon)
 * hands over packets without the sender's address, so it sends welcome.relayAddress "".
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
/** A reply's header: key and sequence number, no acknowledgement. */
const REPLY_HEADER_LENGTH = 12;
/** Sources remembered at once; beyond it, probes from new sources are ignored until old ones go quiet. */
const MAX_TRACKED_SOURCES = 4096;

export class GreProbeResponder {
  private readonly limiters = new Map<string, RateLimiter>();

  /** The GRE packet answering `packet` from `source`, or undefined: not a probe, or over the source's limit. */
  reply(packet: Uint8Array, source: string, now: number): Uint8Array | undefined {
    if (greHeaderProblem(packet) !== undefined || !greHasSeq(packet)) return undefined;
    if (greCallId(packet) !== GRE_PROBE_CALL_ID || grePayloadLength(packet) !== PROBE_MESSAGE_LENGTH)
      return undefined;
    const start = greHeaderLengthOf(packet);
    const message = parseRelayMessage(packet.subarray(start, start + PROBE_MESSAGE_LENGTH));
    if (!message.ok || message.value.type !== "probe") return undefined;
    if (!this.limiterFor(source, now)?.allow(now)) return undefined;
    const body = emitRelayMessage({
      type: "probe-reply",
      id: message.value.id,
      sentAt: message.value.sentAt,
    });
    const out = new Uint8Array(REPLY_HEADER_LENGTH + body.length);
    out.set(body, REPLY_HEADER_LENGTH);
    writeGreHeaderFields(out, REPLY_HEADER_LENGTH, GRE_PROBE_CALL_ID, body.length, greSeq(packet), undefined);
    return out;
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
