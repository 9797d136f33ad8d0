/**
 * A live PptpSession fed from the network side, with a fake clock. The in-process test server (the PAC of
 * packages/pptp-client/test/support/peer) runs opposite it; the input is a configuration byte and then a script:
 * raw control bytes, raw GRE packets, GRE packets with a good header for our call, PPP packets sent through the
 * server's own channel (so framed, sequenced and MPPE-encrypted like the real thing: this is what reaches LCP, IPCP,
 * CCP and the data path past authentication), time passing, TUN traffic both ways, disconnects.
 *
 * Configuration byte: bits 0-1 the stage (0: the server is silent and the script is the whole server; 1: the
 * server runs and the script starts with it; 2-3: the script starts once the session is connected); bits 2-3 the
 * server's flavour (MS-CHAPv2 + any MPPE, MS-CHAPv2 + stateful-only MPPE, CHAP-MD5 without MPPE, PAP without MPPE);
 * bit 4: the server offers IPV6CP. `answer` replies on a control protocol with the identifier of the client's last
 * request there, so that a Nak, Reject or CHAP Failure is one the client takes.
 *
 * Oracles: nothing throws; no time step spins (a timeout that stays due after handleTimeout); what the client sends
 * stays bounded; a disconnect always ends in `closed` within seconds, as the README promises.
 */
import type { SessionOptions } from "../../packages/pptp-client/dist/session/config.js";
import { PptpSession } from "../../packages/pptp-client/dist/session/session.js";
import { PptpPeer, type PptpPeerOptions } from "../../packages/pptp-client/test/support/peer/pptp-peer.js";
import { seededRandom } from "../../packages/pptp-client/test/support/seeded-random.js";
import { check, InputReader } from "../lib/target.js";

export const maxLen = 8192;
export const packages = ["pptp-client"];

const USER = "alice";
const PASSWORD = "correct horse";
const CONTROL_DELAY_MS = 5;
const GRE_DELAY_MS = 2;
const MAX_STEPS = 50_000;
const MAX_CLIENT_OUTPUT_BYTES = 4 * 1024 * 1024;

export const Op = {
  control: 0,
  gre: 1,
  greForOurCall: 2,
  pppFromServer: 3,
  wait: 4,
  tunFromClient: 5,
  ipFromServer: 6,
  disconnect: 7,
  controlClosed: 8,
  serverSilent: 9,
  answer: 10,
} as const;
const OP_COUNT = 11;
/** Protocols `answer` replies on: LCP, CCP, IPCP, CHAP, PAP, IPV6CP. */
const ANSWER_PROTOCOLS = [0xc021, 0x80fd, 0x8021, 0xc223, 0xc023, 0x8057];

/** Whole script ops the mutator can drop in: what a hostile or broken server answers during negotiation. */
export const dictionary: readonly Uint8Array[] = (() => {
  const answer = (protocol: number, code: number, ...data: number[]) =>
    Uint8Array.from([Op.answer, ANSWER_PROTOCOLS.indexOf(protocol), code, data.length, ...data]);
  const ppp = (protocol: number, ...info: number[]) =>
    Uint8Array.from([
      Op.pppFromServer,
      protocol >> 8,
      protocol & 0xff,
      info.length >> 8,
      info.length & 0xff,
      ...info,
    ]);
  const text = (s: string) => [...new TextEncoder().encode(s)];
  const failure = text("E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=Authentication failed");
  return [
    answer(0xc021, 3, 1, 4, 0x02, 0x00), // LCP Configure-Nak: MRU 512
    answer(0xc021, 3, 3, 5, 0xc2, 0x23, 0x05), // LCP Configure-Nak: CHAP-MD5 instead
    answer(0xc021, 3, 3, 4, 0xc0, 0x23), // LCP Configure-Nak: PAP instead
    answer(0xc021, 3, 5, 6, 1, 2, 3, 4), // LCP Configure-Nak: magic number
    answer(0xc021, 4, 5, 6, 1, 2, 3, 4), // LCP Configure-Reject: magic number (value ignored)
    answer(0xc021, 4, 1, 4, 5, 0x78), // LCP Configure-Reject: MRU
    answer(0xc021, 4, 7, 2, 8, 2), // LCP Configure-Reject: PFC, ACFC
    answer(0xc021, 2), // LCP Configure-Ack (options left out)
    ppp(0xc021, 1, 9, 0, 14, 1, 4, 0x05, 0xdc, 3, 5, 0xc2, 0x23, 0x81, 7, 2), // LCP Configure-Request
    ppp(0xc021, 5, 2, 0, 4), // LCP Terminate-Request
    ppp(0xc021, 7, 3, 0, 8, 1, 1, 0, 4), // LCP Code-Reject
    ppp(0xc021, 8, 3, 0, 6, 0x80, 0xfd), // LCP Protocol-Reject of CCP
    ppp(0xc021, 9, 4, 0, 8, 0, 0, 0, 0), // LCP Echo-Request
    ppp(0xc021, 11, 4, 0, 8, 0, 0, 0, 0), // LCP Discard-Request
    answer(0x80fd, 3, 0x12, 6, 0, 0, 0, 0x20), // CCP Configure-Nak: 40-bit stateful
    answer(0x80fd, 3, 0x12, 6, 1, 0, 0, 0x60), // CCP Configure-Nak: 56 and 128-bit stateless
    answer(0x80fd, 4, 0x12, 6, 1, 0, 0, 0x40), // CCP Configure-Reject: MPPE
    ppp(0x80fd, 14, 5, 0, 4), // CCP Reset-Request
    ppp(0x80fd, 15, 5, 0, 4), // CCP Reset-Ack
    answer(0x8021, 3, 3, 6, 10, 0, 0, 7, 0x81, 6, 10, 0, 0, 53, 0x83, 6, 10, 0, 0, 54), // IPCP Nak: addresses
    answer(0x8021, 4, 0x81, 6, 0, 0, 0, 0, 0x83, 6, 0, 0, 0, 0), // IPCP Configure-Reject: DNS
    answer(0x8021, 4, 3, 6, 0, 0, 0, 0), // IPCP Configure-Reject: the address itself
    answer(0x8021, 3, 3, 6, 0, 0, 0, 0), // IPCP Nak: 0.0.0.0
    answer(0xc223, 4, ...failure), // MS-CHAPv2 Failure with retry
    answer(0xc223, 4, ...text("E=648 R=0 V=3")), // MS-CHAPv2 Failure: password expired
    answer(0xc223, 3, ...text("S=0000000000000000000000000000000000000000 M=Welcome")), // Success, wrong S=
    answer(0xc223, 3), // Success without S=
    ppp(0xc223, 1, 7, 0, 21, 16, ...new Array(16).fill(0x41)), // another Challenge
    answer(0xc023, 3, 4, ...text("nope")), // PAP Authenticate-Nak
    answer(0xc023, 2, 0), // PAP Authenticate-Ack
    ppp(0x8057, 1, 1, 0, 14, 1, 10, 0, 0, 0, 0, 0, 0, 0, 1), // IPV6CP Configure-Request
    Uint8Array.from([Op.wait, 55]), // 3 s: a restart timer fires
    Uint8Array.from([Op.wait, 255, Op.wait, 255]), // 130 s: keepalives and echo timeouts
    Uint8Array.from([Op.serverSilent, Op.wait, 255]),
  ];
})();

interface Timed {
  readonly at: number;
  readonly bytes: Uint8Array;
}

function flavour(config: number): { client: Partial<SessionOptions>; peer: Partial<PptpPeerOptions> } {
  const offerIpv6cp = (config & 0x10) !== 0;
  switch ((config >> 2) & 3) {
    case 1:
      return {
        client: {},
        peer: {
          offerIpv6cp,
          mppe: { strengths: [128], allowStateless: false, allowStateful: true, required: true },
        },
      };
    case 2:
      return {
        client: { authMethods: ["mschapv2", "chap-md5"], mppe: { required: false } },
        peer: {
          offerIpv6cp,
          authMethod: "chap-md5",
          mppe: { strengths: [], allowStateless: true, allowStateful: true, required: false },
        },
      };
    case 3:
      return {
        client: { authMethods: ["pap"], mppe: { required: false } },
        peer: {
          offerIpv6cp,
          authMethod: "pap",
          mppe: { strengths: [], allowStateless: true, allowStateful: true, required: false },
        },
      };
    default:
      return { client: {}, peer: { offerIpv6cp } };
  }
}

/** The session, the server opposite it, and the wires between them, on one fake clock. */
export class Harness {
  readonly client: PptpSession;
  readonly peer: PptpPeer | undefined;
  now = 0;
  clientOutput = 0;
  connected = false;
  closed = false;
  lastServerSeq = 0;
  /** The identifier of the client's last request per PPP protocol (seen on the wire, or as the server got it). */
  readonly lastRequestId = new Map<number, number>();
  /** When the client sent requests, per protocol (for building seeds that answer them in time). */
  readonly requestTimes = new Map<number, number[]>();
  private watching = false;
  /** What reached the client, in order, for recording transcripts. */
  readonly delivered: { at: number; kind: "control" | "gre"; bytes: Uint8Array }[] = [];
  private readonly toClient: Timed[] = [];
  private readonly greToClient: Timed[] = [];
  private readonly toPeer: Timed[] = [];
  private readonly greToPeer: Timed[] = [];

  constructor(config: number) {
    const { client, peer } = flavour(config);
    this.client = new PptpSession({
      userName: USER,
      password: PASSWORD,
      random: seededRandom(10),
      ...client,
    });
    this.peer =
      (config & 3) === 0
        ? undefined
        : new PptpPeer({ users: { [USER]: PASSWORD }, random: seededRandom(16), ...peer });
  }

  /** Our Call ID: the key of every GRE packet for us (private, but fixed by the seeded random). */
  get callId(): number {
    return (this.client as unknown as { callId: number }).callId;
  }

  start(): void {
    this.client.start(this.now);
    this.flush();
  }

  controlToClient(bytes: Uint8Array): void {
    this.delivered.push({ at: this.now, kind: "control", bytes: bytes.slice() });
    this.client.handleControlBytes(bytes, this.now);
  }

  greToClientNow(packet: Uint8Array): void {
    this.delivered.push({ at: this.now, kind: "gre", bytes: packet.slice() });
    this.client.handleGre(packet, this.now);
  }

  /** Moves everything both ends want to send onto the wires. */
  flush(): void {
    const { client, peer, now } = this;
    for (let b = client.pollControlBytes(); b !== undefined; b = client.pollControlBytes()) {
      this.clientOutput += b.length;
      if (peer !== undefined) this.toPeer.push({ at: now + CONTROL_DELAY_MS, bytes: b.slice() });
    }
    for (let p = client.pollGre(); p !== undefined; p = client.pollGre()) {
      this.clientOutput += p.length;
      this.noteRequest(p);
      if (peer !== undefined) this.greToPeer.push({ at: now + GRE_DELAY_MS, bytes: p.slice() });
    }
    for (let ip = client.pollTun(); ip !== undefined; ip = client.pollTun()) this.clientOutput += ip.length;
    for (let e = client.pollEvent(); e !== undefined; e = client.pollEvent()) {
      if (e.type === "connected") this.connected = true;
      if (e.type === "closed") this.closed = true;
    }
    check(this.clientOutput <= MAX_CLIENT_OUTPUT_BYTES, `the client sent ${this.clientOutput} bytes`);
    if (peer === undefined) return;
    const link = peer.channel.ppp;
    if (link !== undefined && !this.watching) {
      this.watching = true;
      const handle = link.handlePacket.bind(link);
      link.handlePacket = (protocol, info, at) => {
        if (info.length >= 2 && (info[0] === 1 || (protocol === 0xc223 && info[0] === 2)))
          this.lastRequestId.set(protocol, info[1]!);
        handle(protocol, info, at);
      };
    }
    for (let b = peer.pollControlBytes(); b !== undefined; b = peer.pollControlBytes()) {
      this.toClient.push({ at: now + CONTROL_DELAY_MS, bytes: b.slice() });
    }
    for (let p = peer.pollGre(); p !== undefined; p = peer.pollGre()) {
      if (p.length >= 12 && (p[0]! & 0x10) !== 0)
        this.lastServerSeq = new DataView(p.buffer, p.byteOffset).getUint32(8);
      this.greToClient.push({ at: now + GRE_DELAY_MS, bytes: p.slice() });
    }
  }

  /** Records the identifier of a request the client sends in the clear (LCP, CCP, and the rest before MPPE). */
  private noteRequest(packet: Uint8Array): void {
    if (packet.length < 8) return;
    let off = 8 + (packet[0]! & 0x10 ? 4 : 0) + (packet[1]! & 0x80 ? 4 : 0);
    if (packet[off] === 0xff && packet[off + 1] === 0x03) off += 2;
    if (off + 2 > packet.length) return;
    let protocol = packet[off]!;
    if (protocol & 1) off += 1;
    else {
      protocol = (protocol << 8) | packet[off + 1]!;
      off += 2;
    }
    if (off + 2 > packet.length || !ANSWER_PROTOCOLS.includes(protocol)) return;
    const code = packet[off]!;
    if (code === 1 || (protocol === 0xc223 && code === 2)) {
      this.lastRequestId.set(protocol, packet[off + 1]!);
      const times = this.requestTimes.get(protocol) ?? [];
      times.push(this.now);
      this.requestTimes.set(protocol, times);
    }
  }

  private nextEventTime(): number | undefined {
    const times = [
      this.client.pollTimeout(),
      this.peer?.pollTimeout(),
      this.toClient[0]?.at,
      this.greToClient[0]?.at,
      this.toPeer[0]?.at,
      this.greToPeer[0]?.at,
    ].filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Advances the clock event by event until `until` (or `done`). */
  run(until: number, done: () => boolean = () => false): void {
    let stepsAtSameTime = 0;
    for (let steps = 0; !done(); steps++) {
      check(steps < MAX_STEPS, `no quiet point after ${MAX_STEPS} steps at t=${this.now} ms`);
      const next = this.nextEventTime();
      if (next === undefined || next > until) break;
      stepsAtSameTime = next <= this.now ? stepsAtSameTime + 1 : 0;
      check(stepsAtSameTime < 1000, `a timeout stays due at t=${this.now} ms (livelock)`);
      this.now = Math.max(this.now, next);
      this.step();
    }
    this.now = Math.max(this.now, until);
  }

  private step(): void {
    const { now, client, peer } = this;
    while (this.toPeer[0] !== undefined && this.toPeer[0].at <= now)
      peer!.handleControlBytes(this.toPeer.shift()!.bytes, now);
    while (this.greToPeer[0] !== undefined && this.greToPeer[0].at <= now)
      peer!.handleGre(this.greToPeer.shift()!.bytes, now);
    while (this.toClient[0] !== undefined && this.toClient[0].at <= now)
      this.controlToClient(this.toClient.shift()!.bytes);
    while (this.greToClient[0] !== undefined && this.greToClient[0].at <= now)
      this.greToClientNow(this.greToClient.shift()!.bytes);
    const clientDue = client.pollTimeout();
    if (clientDue !== undefined && clientDue <= now) client.handleTimeout(now);
    const peerDue = peer?.pollTimeout();
    if (peerDue !== undefined && peerDue <= now) peer!.handleTimeout(now);
    this.flush();
  }
}

function greForOurCall(callId: number, seq: number, ackFlag: boolean, payload: Uint8Array): Uint8Array {
  const header = ackFlag ? 16 : 12;
  const packet = new Uint8Array(header + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x30;
  packet[1] = ackFlag ? 0x81 : 0x01;
  view.setUint16(2, 0x880b);
  view.setUint16(4, payload.length);
  view.setUint16(6, callId);
  view.setUint32(8, seq >>> 0);
  if (ackFlag) view.setUint32(12, 0);
  packet.set(payload, header);
  return packet;
}

export function runOp(h: Harness, input: InputReader): void {
  const op = input.u8() % OP_COUNT;
  switch (op) {
    case Op.control:
      h.controlToClient(input.chunk());
      break;
    case Op.gre:
      h.greToClientNow(input.chunk16(1600));
      break;
    case Op.greForOurCall: {
      const flags = input.u8();
      const seq = h.lastServerSeq + 1 + ((flags & 0x7f) - 32);
      h.greToClientNow(greForOurCall(h.callId, seq, (flags & 0x80) !== 0, input.chunk16(1600)));
      break;
    }
    case Op.pppFromServer: {
      const protocol = input.u16();
      const info = input.chunk16(1500);
      if (h.peer?.channel.ppp !== undefined) h.peer.channel.sendPacket(protocol, info, h.now);
      break;
    }
    case Op.wait: {
      const b = input.u8();
      h.run(h.now + b * b);
      break;
    }
    case Op.tunFromClient:
      h.client.handleTunPacket(input.chunk16(2000), h.now);
      break;
    case Op.ipFromServer: {
      const ip = input.chunk16(1500);
      if (h.peer?.channel.ppp !== undefined) h.peer.sendIp(ip, h.now);
      break;
    }
    case Op.disconnect:
      h.client.disconnect(h.now);
      break;
    case Op.controlClosed:
      h.client.handleControlClosed(h.now);
      break;
    case Op.serverSilent:
      h.peer?.goSilent();
      break;
    case Op.answer: {
      // A reply with the identifier of the client's last request on that protocol: the reply it will accept.
      const protocol = ANSWER_PROTOCOLS[input.u8() % ANSWER_PROTOCOLS.length]!;
      const code = input.u8();
      const data = input.chunk();
      const info = Uint8Array.from([code, h.lastRequestId.get(protocol) ?? 0, 0, 4 + data.length, ...data]);
      if (h.peer?.channel.ppp !== undefined) h.peer.channel.sendPacket(protocol, info, h.now);
      break;
    }
  }
  h.flush();
}

/** Brings a session up to the configured stage; returns the harness. */
export function prepare(config: number): Harness {
  const h = new Harness(config);
  h.start();
  if ((config & 3) >= 2) h.run(h.now + 60_000, () => h.connected || h.closed);
  return h;
}

export function fuzz(data: Uint8Array): void {
  const input = new InputReader(data);
  const h = prepare(input.u8());
  let ops = 0;
  while (input.remaining > 0 && ops++ < 2000) runOp(h, input);
  // Let every timer run its course, then hang up: the session must be closed soon after.
  h.run(h.now + 180_000);
  h.client.disconnect(h.now);
  h.flush();
  h.run(h.now + 5_000);
  check(h.client.state === "closed", `state ${h.client.state} 5 s after disconnect()`);
  h.client.stats();
}

/** Script bytes for a transcript: what reached the client, in order, with waits (for seeds). */
export function encodeTranscript(
  config: number,
  delivered: readonly { at: number; kind: "control" | "gre"; bytes: Uint8Array }[],
): Uint8Array {
  const out: number[] = [config];
  let now = 0;
  for (const d of delivered) {
    while (d.at > now) {
      const b = Math.min(255, Math.max(1, Math.floor(Math.sqrt(d.at - now))));
      out.push(Op.wait, b);
      now += b * b;
    }
    if (d.kind === "control") {
      for (let off = 0; off < d.bytes.length; off += 255) {
        const part = d.bytes.subarray(off, off + 255);
        out.push(Op.control, part.length, ...part);
      }
    } else {
      out.push(Op.gre, d.bytes.length >> 8, d.bytes.length & 0xff, ...d.bytes);
    }
  }
  return Uint8Array.from(out);
}
