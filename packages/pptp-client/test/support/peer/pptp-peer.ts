/**
 * An in-process PPTP server (PAC) for tests, not shipped: the server side of the control connection, GRE, PPP with
 * an MS-CHAPv2 (or weaker) authenticator, IPCP address assignment and MPPE, built from the client's own codecs and
 * channel. Switches imitate what real servers do: pptpd's Call ID 0, pppd offering IPV6CP, stateful-only or 40-bit
 * MPPE, refusals, wrong passwords, impostors, and servers that die.
 */
import type { MppeStrength } from "../../../src/mppe/mppe-mode.js";
import type { AuthMethod } from "../../../src/ppp/auth/auth-phase.js";
import type { PppEvent } from "../../../src/ppp/ppp-link.js";
import { PppChannel } from "../../../src/session/ppp-channel.js";
import { readU16 } from "../../../src/util/bytes.js";
import type { RandomSource } from "../../../src/util/random.js";
import { parseGreHeader } from "../../../src/wire/gre.js";
import { CpCode, parseCpPacket } from "../../../src/wire/ppp-cp.js";
import { PPP_PROTOCOL, parsePppFrame } from "../../../src/wire/ppp-frame.js";
import { type AuthServerQuirks, createAuthServer } from "./auth-server.js";
import { PacControl, type PacControlOptions } from "./pac-control.js";

export interface PptpPeerOptions {
  /** user name -> password */
  readonly users: Readonly<Record<string, string>>;
  readonly random: RandomSource;
  readonly authMethod: AuthMethod;
  readonly authQuirks: AuthServerQuirks;
  readonly control: PacControlOptions;
  /** MPPE the server allows; `strengths: []` runs without MPPE (pppd with nomppe). */
  readonly mppe: {
    readonly strengths: readonly MppeStrength[];
    readonly allowStateless: boolean;
    readonly allowStateful: boolean;
    readonly required: boolean;
  };
  readonly localAddress: string;
  readonly clientAddress: string;
  readonly dns: readonly string[];
  readonly mru: number;
  /** Debian's pppd offers IPV6CP after authentication; a client must Protocol-Reject it. */
  readonly offerIpv6cp: boolean;
  readonly echoIntervalMs: number;
}

const DEFAULTS: Omit<PptpPeerOptions, "users" | "random"> = {
  authMethod: "mschapv2",
  authQuirks: {},
  control: { firstCallId: 0 },
  mppe: { strengths: [128, 56, 40], allowStateless: true, allowStateful: true, required: true },
  localAddress: "10.0.0.1",
  clientAddress: "10.0.0.2",
  dns: ["10.0.0.53", "10.0.0.54"],
  mru: 1400,
  offerIpv6cp: true,
  echoIntervalMs: 30_000,
};

/** IPV6CP Configure-Request with an Interface-Identifier option, as pppd sends it. */
const IPV6CP_REQUEST = new Uint8Array([
  CpCode.ConfigureRequest,
  1,
  0,
  14,
  1,
  10,
  0x02,
  0x11,
  0x22,
  0xff,
  0xfe,
  0x33,
  0x44,
  0x55,
]);

export class PptpPeer {
  readonly options: PptpPeerOptions;
  readonly control: PacControl;
  readonly channel: PppChannel;
  /** IP packets that arrived from the client, copied (unless onIp takes them). */
  readonly received: Uint8Array[] = [];
  /** Where IP packets from the client go instead of `received`: a view, decrypted in place (a server pump's TUN). */
  onIp: ((ip: Uint8Array) => void) | undefined;
  readonly pppEvents: PppEvent[] = [];
  ipv6cpRejected = false;
  private silent = false;

  constructor(options: Partial<PptpPeerOptions> & Pick<PptpPeerOptions, "users" | "random">) {
    this.options = { ...DEFAULTS, ...options };
    this.control = new PacControl(this.options.control);
    this.channel = new PppChannel({ reorderTimeoutMs: 300, maxReorderPackets: 64, ackDelayMs: 100 });
  }

  /** Stops answering anything, as a server that crashed or lost its network would. */
  goSilent(): void {
    this.silent = true;
  }

  handleControlBytes(bytes: Uint8Array, now: number): void {
    if (this.silent) return;
    this.control.handleBytes(bytes);
    for (let event = this.control.pollEvent(); event !== undefined; event = this.control.pollEvent()) {
      if (event.type === "call-requested") {
        this.channel.open(event.callId, event.peerCallId, this.pppConfig(), this.options.random, now);
        this.drainPpp(now);
      }
    }
  }

  handleGre(packet: Uint8Array, now: number): void {
    if (this.silent) return;
    // Only until the client has refused our IPV6CP offer: after that there is nothing to watch for.
    if (this.options.offerIpv6cp && !this.ipv6cpRejected) this.watchForProtocolReject(packet);
    this.channel.receive(packet, now);
    for (let ip = this.channel.pollIp(); ip !== undefined; ip = this.channel.pollIp()) {
      if (this.onIp === undefined) this.received.push(new Uint8Array(ip));
      else this.onIp(ip);
    }
    this.drainPpp(now);
  }

  sendIp(ip: Uint8Array, now: number): void {
    this.channel.sendIp(ip, now);
  }

  handleTimeout(now: number): void {
    if (this.silent) return;
    this.channel.handleTimeout(now);
    this.drainPpp(now);
  }

  pollTimeout(): number | undefined {
    return this.silent ? undefined : this.channel.nextTimeout();
  }

  pollControlBytes(): Uint8Array | undefined {
    return this.silent ? undefined : this.control.pollBytes();
  }

  pollGre(): Uint8Array | undefined {
    return this.silent ? undefined : this.channel.pollGre();
  }

  private drainPpp(now: number): void {
    for (let event = this.channel.pollEvent(); event !== undefined; event = this.channel.pollEvent()) {
      this.pppEvents.push(event);
      if (event.type === "authenticated" && this.options.offerIpv6cp) {
        this.channel.sendPacket(PPP_PROTOCOL.IPV6CP, IPV6CP_REQUEST, now);
      }
    }
  }

  /** Notes the client's LCP Protocol-Reject of our IPV6CP offer (LCP always travels in the clear). */
  private watchForProtocolReject(packet: Uint8Array): void {
    const gre = parseGreHeader(packet);
    if (!gre.ok) return;
    const payload = packet.subarray(gre.value.headerLength, gre.value.headerLength + gre.value.payloadLength);
    const frame = parsePppFrame(payload);
    if (!frame.ok || frame.value.protocol !== PPP_PROTOCOL.LCP) return;
    const lcp = parseCpPacket(payload.subarray(frame.value.infoOffset));
    if (!lcp.ok || lcp.value.code !== CpCode.ProtocolReject || lcp.value.data.length < 2) return;
    if (readU16(lcp.value.data, 0) === PPP_PROTOCOL.IPV6CP) this.ipv6cpRejected = true;
  }

  private pppConfig() {
    const { options } = this;
    return {
      lcp: { mru: options.mru, pfc: true, acfc: true },
      ipcp: {
        localAddress: options.localAddress,
        requestDns: false,
        peerAddress: options.clientAddress,
        peerDns: options.dns,
      },
      ccp: options.mppe,
      auth: {
        allowedMethods: [],
        require: options.authMethod,
        createServer: (method: AuthMethod) =>
          createAuthServer(method, (user) => options.users[user], options.random, options.authQuirks),
      },
      echoIntervalMs: options.echoIntervalMs,
      echoFailures: 4,
      restartTimerMs: 3_000,
    };
  }
}
