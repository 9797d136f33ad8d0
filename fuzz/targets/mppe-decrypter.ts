/**
 * The MPPE receiver (RFC 3078) against a sender with the same key. The first byte picks the key strength and
 * stateless or stateful mode; then a script: packets the sender encrypts and delivers, packets it encrypts and
 * holds back (lost, unless delivered late later), raw packets from the network, CCP resets, replays of the last
 * packet, and late deliveries of held-back packets.
 *
 * Oracles: nothing throws; a packet that decrypts "ok" carries exactly what was sent; without raw packets in the
 * script, stateless mode decrypts every delivered packet, a late one too while fewer than LATE_WINDOW counts behind
 * the newest, and stateful mode every one while nothing was lost.
 */
import { MppeDecrypter } from "../../packages/pptp-client/dist/mppe/mppe-decrypter.js";
import { MppeEncrypter } from "../../packages/pptp-client/dist/mppe/mppe-encrypter.js";
import { LATE_WINDOW } from "../../packages/pptp-client/dist/mppe/mppe-header.js";
import type { MppeStrength } from "../../packages/pptp-client/dist/mppe/mppe-mode.js";
import { check, InputReader } from "../lib/target.js";

export const maxLen = 4096;
export const packages = ["pptp-client"];

const KEY = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
const STRENGTHS: readonly MppeStrength[] = [40, 56, 128];
const PROTOCOL_IP = 0x0021;

/** Held-back packets kept for late delivery; older ones stay lost. */
const MAX_HELD = 16;

interface Sent {
  readonly packet: Uint8Array;
  readonly payload: Uint8Array;
  /** How many packets the sender encrypted before this one: its count modulo 4096. */
  readonly index: number;
}

export function fuzz(data: Uint8Array): void {
  const input = new InputReader(data);
  const config = input.u8();
  const mode = { strength: STRENGTHS[config % 3]!, stateless: (config & 4) !== 0 };
  const sender = new MppeEncrypter(KEY, mode);
  const receiver = new MppeDecrypter(KEY, mode);
  let forged = false;
  let lost = false;
  let sent = 0;
  /** Stateless mode: the newest packet decrypted, which the key schedule stands at. */
  let newest = -1;
  let last: Sent | undefined;
  const held: Sent[] = [];

  /** Delivers a packet sent earlier; `intact` when the receiver must take it (see the oracles above). */
  const deliver = ({ packet, payload, index }: Sent, intact: boolean): void => {
    const copy = packet.slice();
    const result = receiver.decryptInPlace(copy, 0, copy.length);
    receiver.takeSyncLoss();
    if (!result.ok) {
      const where = mode.stateless ? "stateless" : "stateful";
      check(!intact || forged, `an intact packet was refused (${result.reason}) in ${where} mode`);
      return;
    }
    const same = copy[2] === 0 && copy[3] === 0x21 && copy.subarray(4).every((v, i) => v === payload[i]);
    // Stateful resynchronisation after a loss may take a wrong key whose output passes for a protocol field
    // (about 1 in 100 per re-key it tries, see MppeDecrypter.catchUp): only an unbroken stream must be exact.
    check(
      same || forged || (!mode.stateless && lost),
      "a packet decrypted 'ok' to something else than was sent",
    );
    newest = Math.max(newest, index);
    // A flushed packet that decrypts resynchronises stateful mode, if nothing was sent after it.
    if (same && (packet[0]! & 0x80) !== 0 && index === sent - 1) lost = false;
  };

  for (let ops = 0; input.remaining > 0 && ops < 1000; ops++) {
    const op = input.u8() % 6;
    if (op === 0 || op === 1) {
      const payload = input.chunk();
      const packet = new Uint8Array(4 + payload.length);
      sender.encrypt(PROTOCOL_IP, payload, packet, 0);
      last = { packet, payload, index: sent++ };
      if (op === 1) {
        lost = true;
        if (held.push(last) > MAX_HELD) held.shift();
        continue;
      }
      deliver(last, mode.stateless || !lost);
    } else if (op === 2) {
      forged = true;
      const raw = input.chunk().slice();
      receiver.decryptInPlace(raw, 0, raw.length);
      receiver.takeSyncLoss();
    } else if (op === 3) {
      sender.reset();
    } else if (op === 4) {
      if (last === undefined) continue;
      const at = held.indexOf(last);
      if (at >= 0) held.splice(at, 1);
      // A first delivery of a held-back packet is not a replay, and nothing ever came after the last one sent.
      deliver(last, at >= 0 && mode.stateless);
    } else if (held.length > 0) {
      const [late] = held.splice(input.u8() % held.length, 1);
      const behind = newest - late!.index;
      // Further behind than the window, a packet cannot be told from a forgery: its count reads as a jump ahead,
      // and the wrong key it gives passes the protocol check about once in a hundred.
      if (behind > LATE_WINDOW) forged = true;
      deliver(late!, mode.stateless && behind < LATE_WINDOW);
    }
  }
}
