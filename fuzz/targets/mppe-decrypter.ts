/**
 * The MPPE receiver (RFC 3078) against a sender with the same key. The first byte picks the key strength and
 * stateless or stateful mode; then a script: packets the sender encrypts and delivers, packets it encrypts and
 * loses, raw packets from the network, CCP resets, and replays of the last packet.
 *
 * Oracles: nothing throws; a packet that decrypts "ok" carries exactly what was sent; without raw packets in the
 * script, stateless mode decrypts every delivered packet, and stateful mode every one while nothing was lost.
 */
import { MppeDecrypter } from "../../packages/pptp-client/dist/mppe/mppe-decrypter.js";
import { MppeEncrypter } from "../../packages/pptp-client/dist/mppe/mppe-encrypter.js";
import type { MppeStrength } from "../../packages/pptp-client/dist/mppe/mppe-mode.js";
import { check, InputReader } from "../lib/target.js";

export const maxLen = 4096;
export const packages = ["pptp-client"];

const KEY = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
const STRENGTHS: readonly MppeStrength[] = [40, 56, 128];
const PROTOCOL_IP = 0x0021;

export function fuzz(data: Uint8Array): void {
  const input = new InputReader(data);
  const config = input.u8();
  const mode = { strength: STRENGTHS[config % 3]!, stateless: (config & 4) !== 0 };
  const sender = new MppeEncrypter(KEY, mode);
  const receiver = new MppeDecrypter(KEY, mode);
  let forged = false;
  let lost = false;
  let last: Uint8Array | undefined;
  for (let ops = 0; input.remaining > 0 && ops < 1000; ops++) {
    const op = input.u8() % 5;
    if (op === 0 || op === 1) {
      const payload = input.chunk();
      const packet = new Uint8Array(4 + payload.length);
      sender.encrypt(PROTOCOL_IP, payload, packet, 0);
      last = packet.slice();
      if (op === 1) {
        lost = true;
        continue;
      }
      const result = receiver.decryptInPlace(packet, 0, packet.length);
      receiver.takeSyncLoss();
      if (result.ok) {
        const same =
          packet[2] === 0 && packet[3] === 0x21 && packet.subarray(4).every((v, i) => v === payload[i]);
        check(same || forged, "a packet decrypted 'ok' to something else than was sent");
      } else if (!forged && (mode.stateless || !lost)) {
        check(
          false,
          `an intact packet was refused (${result.reason}) in ${mode.stateless ? "stateless" : "stateful"} mode`,
        );
      }
      // A flushed packet resynchronises stateful mode.
      if (result.ok && (last[0]! & 0x80) !== 0) lost = false;
    } else if (op === 2) {
      forged = true;
      const raw = input.chunk().slice();
      receiver.decryptInPlace(raw, 0, raw.length);
      receiver.takeSyncLoss();
    } else if (op === 3) {
      sender.reset();
    } else if (last !== undefined) {
      const replay = last.slice();
      receiver.decryptInPlace(replay, 0, replay.length);
      receiver.takeSyncLoss();
    }
  }
}
