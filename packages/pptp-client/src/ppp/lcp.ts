/**
 * LCP options (RFC 1661 section 6) and LCP's own codes 8-13, usable in both roles: a client that lets the
 * server pick one of its allowed authentication methods, and a server that asks the peer to authenticate.
 */
import { type FerryError, ferryError } from "../errors.js";
import { readU16, readU32, toHex, writeU16, writeU32 } from "../util/bytes.js";
import { type RandomSource, randomU32 } from "../util/random.js";
import { CpCode, type CpOption } from "../wire/ppp-cp.js";
import { PPP_PROTOCOL } from "../wire/ppp-frame.js";
import { methodName } from "./auth/auth-errors.js";
import { type AuthMethod, authMethodFromOption, authOptionData } from "./auth/auth-phase.js";
import type { ExtraCodeVerdict, OptionsHandler, RequestVerdict } from "./fsm.js";
import type { FsmState } from "./fsm-table.js";

export const LcpOption = { Mru: 1, Accm: 2, AuthProtocol: 3, MagicNumber: 5, Pfc: 7, Acfc: 8 } as const;

/** What an MRU is when nobody negotiated one (RFC 1661 section 6.1). */
export const DEFAULT_MRU = 1500;
/** pppd refuses to send frames smaller than this whatever the peer asks (its MINMRU). */
const MIN_MRU = 128;
const DEFAULT_LOOPBACK_LIMIT = 3;

export interface LcpConfig {
  /** The largest frame we want to receive; asked for only when it differs from 1500. */
  readonly mru: number;
  /** Ask for, and agree to, Protocol-Field-Compression and Address-and-Control-Field-Compression. */
  readonly pfc: boolean;
  readonly acfc: boolean;
  /** Methods we agree to authenticate ourselves with when the peer asks, preferred first. */
  readonly acceptAuth: readonly AuthMethod[];
  /** Server role: ask the peer to authenticate with this method. */
  readonly requireAuth?: AuthMethod;
  /** Peer requests carrying our own magic number, in a row, before the link counts as looped back. */
  readonly loopbackLimit?: number;
}

/** LCP traffic outside negotiation that the link acts on. */
export interface LcpSignals {
  echoReply(identifier: number, now: number): void;
  /** The peer does not run `protocol` (Protocol-Reject, in the Opened state only). */
  protocolRejected(protocol: number, now: number): void;
  /** The peer Code-Rejected our Echo-Request: keepalives cannot work. */
  echoRefused(): void;
}

interface LinkOptions {
  mru: number | undefined;
  magic: number;
  pfc: boolean;
  acfc: boolean;
  auth: AuthMethod | undefined;
}

export class LcpOptions implements OptionsHandler {
  failure: FerryError | undefined;
  /** What the peer asked for, as we acked it. */
  private peer: LinkOptions = emptyOptions();
  /** What we ask for now, and what the peer acked of it. */
  private want: LinkOptions;
  private ours: LinkOptions = emptyOptions();
  private loopbacks = 0;
  /** The unacceptable authentication methods the peer asked for and we naked, last one last. */
  private readonly nakedAuth: string[] = [];

  constructor(
    private readonly config: LcpConfig,
    private readonly random: RandomSource,
    private readonly signals: LcpSignals,
  ) {
    this.want = this.initialWishes();
  }

  /** The largest frame we may send. */
  get peerMru(): number {
    return this.peer.mru ?? DEFAULT_MRU;
  }

  /** Whether we may send compressed headers: the peer asked to receive them and we agreed. */
  get txPfc(): boolean {
    return this.peer.pfc;
  }

  get txAcfc(): boolean {
    return this.peer.acfc;
  }

  /** The method the peer asked us to authenticate with (client side). */
  get authToPeer(): AuthMethod | undefined {
    return this.peer.auth;
  }

  /** The method the peer agreed to authenticate with (server side). */
  get authFromPeer(): AuthMethod | undefined {
    return this.ours.auth;
  }

  /** Our negotiated magic number (0 if the peer rejected it). */
  get magic(): number {
    return this.ours.magic;
  }

  /** The unacceptable authentication method the peer asked for, if it did. */
  get refusedAuthentication(): string | undefined {
    return this.nakedAuth.at(-1);
  }

  resetOptions(): void {
    this.want = this.initialWishes();
    this.loopbacks = 0;
  }

  buildRequest(): CpOption[] {
    const options: CpOption[] = [];
    if (this.want.mru !== undefined) options.push(u16Option(LcpOption.Mru, this.want.mru));
    if (this.want.auth !== undefined)
      options.push({ type: LcpOption.AuthProtocol, data: authOptionData(this.want.auth) });
    if (this.want.magic !== 0) options.push(u32Option(LcpOption.MagicNumber, this.want.magic));
    if (this.want.pfc) options.push({ type: LcpOption.Pfc, data: new Uint8Array(0) });
    if (this.want.acfc) options.push({ type: LcpOption.Acfc, data: new Uint8Array(0) });
    return options;
  }

  checkRequest(options: readonly CpOption[], rejectNotNak: boolean): RequestVerdict {
    const peer = emptyOptions();
    const naks: CpOption[] = [];
    const unnakable: CpOption[] = [];
    const rejects: CpOption[] = [];
    let loopedBack = false;
    for (const option of options) {
      const { type, data } = option;
      switch (type) {
        case LcpOption.Mru:
          if (data.length !== 2) rejects.push(option);
          else if (readU16(data, 0) >= MIN_MRU) peer.mru = readU16(data, 0);
          else {
            naks.push(u16Option(type, MIN_MRU));
            unnakable.push(option);
          }
          break;
        case LcpOption.Accm:
          // Meaningless without HDLC framing; agreeing costs nothing.
          if (data.length !== 4) rejects.push(option);
          break;
        case LcpOption.AuthProtocol: {
          const suggestion = this.checkAuth(data);
          if (suggestion === "reject") rejects.push(option);
          else if (suggestion === undefined) peer.auth = authMethodFromOption(data);
          else {
            naks.push(suggestion);
            unnakable.push(option);
          }
          break;
        }
        case LcpOption.MagicNumber: {
          if (data.length !== 4) {
            rejects.push(option);
            break;
          }
          const magic = readU32(data, 0);
          if (magic !== 0 && magic === this.want.magic) {
            // Our own request came back, or the peer drew the same number: ask it for another (RFC 1661 6.4).
            loopedBack = true;
            naks.push(u32Option(type, this.newMagic(magic)));
            unnakable.push(option);
          } else {
            peer.magic = magic;
          }
          break;
        }
        case LcpOption.Pfc:
        case LcpOption.Acfc: {
          const wanted = type === LcpOption.Pfc ? this.config.pfc : this.config.acfc;
          if (data.length !== 0 || !wanted) rejects.push(option);
          else if (type === LcpOption.Pfc) peer.pfc = true;
          else peer.acfc = true;
          break;
        }
        default:
          rejects.push(option);
      }
    }
    this.countLoopback(loopedBack);
    if (rejects.length > 0) return { verdict: "reject", options: rejects };
    if (naks.length > 0)
      return rejectNotNak ? { verdict: "reject", options: unnakable } : { verdict: "nak", options: naks };
    this.peer = peer;
    return { verdict: "ack" };
  }

  handleAck(options: readonly CpOption[]): void {
    const ours = emptyOptions();
    for (const { type, data } of options) {
      if (type === LcpOption.Mru && data.length === 2) ours.mru = readU16(data, 0);
      else if (type === LcpOption.AuthProtocol) ours.auth = authMethodFromOption(data);
      else if (type === LcpOption.MagicNumber && data.length === 4) ours.magic = readU32(data, 0);
      else if (type === LcpOption.Pfc) ours.pfc = true;
      else if (type === LcpOption.Acfc) ours.acfc = true;
    }
    this.ours = ours;
  }

  handleNak(options: readonly CpOption[]): void {
    for (const { type, data } of options) {
      switch (type) {
        case LcpOption.Mru:
          // Take a smaller MRU, or a larger one up to the default (pppd does the same).
          if (this.want.mru !== undefined && data.length === 2) {
            const mru = readU16(data, 0);
            if (mru >= MIN_MRU && mru <= Math.max(this.config.mru, DEFAULT_MRU)) this.want.mru = mru;
          }
          break;
        case LcpOption.AuthProtocol:
          if (this.want.auth !== undefined) this.failure ??= peerRefusesToAuthenticate(this.want.auth, data);
          break;
        case LcpOption.MagicNumber:
          // The peer saw its own number in ours: draw a fresh one (never the one it suggests, as pppd does).
          if (this.want.magic !== 0) this.want.magic = this.newMagic(this.want.magic);
          break;
        // Other suggestions are for options we chose not to request.
      }
    }
  }

  handleReject(options: readonly CpOption[]): void {
    for (const { type } of options) {
      if (type === LcpOption.Mru) this.want.mru = undefined;
      else if (type === LcpOption.MagicNumber) this.want.magic = 0;
      else if (type === LcpOption.Pfc) this.want.pfc = false;
      else if (type === LcpOption.Acfc) this.want.acfc = false;
      else if (type === LcpOption.AuthProtocol && this.want.auth !== undefined) {
        this.failure ??= peerRefusesToAuthenticate(this.want.auth, undefined);
      }
    }
  }

  handleExtraCode(
    code: number,
    identifier: number,
    data: Uint8Array,
    state: FsmState,
    now: number,
  ): ExtraCodeVerdict | undefined {
    switch (code) {
      case CpCode.ProtocolReject: {
        // Only meaningful once the link is open (RFC 1661 section 5.7); before that, drop it.
        if (state !== "Opened" || data.length < 2) return {};
        const protocol = readU16(data, 0);
        if (protocol === PPP_PROTOCOL.LCP) return { event: "RXJ-" };
        this.signals.protocolRejected(protocol, now);
        return { event: "RXJ+" };
      }
      case CpCode.EchoRequest: {
        if (data.length < 4 || this.isOwnMagic(readU32(data, 0))) return { event: "RXR" };
        const reply = new Uint8Array(data.length);
        writeU32(reply, 0, this.ours.magic);
        reply.set(data.subarray(4), 4);
        return { event: "RXR", reply: { code: CpCode.EchoReply, data: reply } };
      }
      case CpCode.EchoReply:
        if (state === "Opened" && data.length >= 4 && !this.isOwnMagic(readU32(data, 0))) {
          this.signals.echoReply(identifier, now);
        }
        return { event: "RXR" };
      case CpCode.DiscardRequest:
        return { event: "RXR" };
      case CpCode.Identification:
      case CpCode.TimeRemaining:
        // Informational (RFC 1570): pppd takes them silently, and so do we rather than Code-Reject Windows.
        return {};
      default:
        return undefined;
    }
  }

  codeRejected(code: number): void {
    if (code === CpCode.EchoRequest) this.signals.echoRefused();
  }

  /** Undefined to accept, a Nak suggestion, or "reject" when we authenticate to nobody. */
  private checkAuth(data: Uint8Array): CpOption | "reject" | undefined {
    const method = authMethodFromOption(data);
    if (method !== undefined && this.config.acceptAuth.includes(method)) return undefined;
    const preferred = this.config.acceptAuth[0];
    if (preferred === undefined) return "reject";
    const wanted = describeAuthOption(data);
    // A server may walk through the methods it has; asking again for one we already naked is insisting.
    if (this.nakedAuth.includes(wanted)) this.failure ??= serverInsistsOnAuth(wanted, this.config.acceptAuth);
    else this.nakedAuth.push(wanted);
    return { type: LcpOption.AuthProtocol, data: authOptionData(preferred) };
  }

  private countLoopback(loopedBack: boolean): void {
    this.loopbacks = loopedBack ? this.loopbacks + 1 : 0;
    if (this.loopbacks >= (this.config.loopbackLimit ?? DEFAULT_LOOPBACK_LIMIT)) {
      this.failure ??= ferryError(
        "LOOPBACK_DETECTED",
        "Our own LCP requests keep coming back to us: the link is looped back.",
        "Something on the path reflects GRE packets back to us; check the tunnel's far end and any relay in between.",
        { requestsWithOurMagic: this.loopbacks },
      );
    }
  }

  private isOwnMagic(magic: number): boolean {
    return magic !== 0 && magic === this.ours.magic;
  }

  private initialWishes(): LinkOptions {
    return {
      mru: this.config.mru === DEFAULT_MRU ? undefined : this.config.mru,
      magic: this.newMagic(0),
      pfc: this.config.pfc,
      acfc: this.config.acfc,
      auth: this.config.requireAuth,
    };
  }

  /** A random non-zero magic number different from `avoid` (0 means "not negotiated"). */
  private newMagic(avoid: number): number {
    for (;;) {
      const magic = randomU32(this.random);
      if (magic !== 0 && magic !== avoid) return magic;
    }
  }
}

function emptyOptions(): LinkOptions {
  return { mru: undefined, magic: 0, pfc: false, acfc: false, auth: undefined };
}

function u16Option(type: number, value: number): CpOption {
  const data = new Uint8Array(2);
  writeU16(data, 0, value);
  return { type, data };
}

function u32Option(type: number, value: number): CpOption {
  const data = new Uint8Array(4);
  writeU32(data, 0, value);
  return { type, data };
}

/** An Auth-Protocol option's data in words: "MS-CHAPv2", "EAP", "MS-CHAP (version 1)", "protocol 0xC025"... */
export function describeAuthOption(data: Uint8Array): string {
  const method = authMethodFromOption(data);
  if (method !== undefined) return methodName(method);
  if (data.length < 2) return `a malformed Auth-Protocol option (${toHex(data) || "empty"})`;
  const protocol = readU16(data, 0);
  if (protocol === PPP_PROTOCOL.EAP) return "EAP";
  if (protocol === PPP_PROTOCOL.CHAP && data.length === 3 && data[2] === 0x80) return "MS-CHAP (version 1)";
  if (protocol === PPP_PROTOCOL.CHAP) return `CHAP with algorithm ${toHex(data.subarray(2)) || "none"}`;
  return `protocol 0x${toHex(data.subarray(0, 2))}`;
}

function serverInsistsOnAuth(wanted: string, allowed: readonly AuthMethod[]): FerryError {
  const allowedNames = allowed.map(methodName).join(", ");
  return ferryError(
    "AUTH_METHOD_REFUSED",
    `The server insists on ${wanted} authentication, which this profile does not allow (allowed: ${allowedNames}).`,
    `Allow ${wanted} in the profile if you trust it, or ask the server's administrator to enable ${allowedNames}.`,
    { serverWants: wanted, allowed: allowedNames },
  );
}

function peerRefusesToAuthenticate(required: AuthMethod, suggestion: Uint8Array | undefined): FerryError {
  const offered = suggestion === undefined ? undefined : describeAuthOption(suggestion);
  const name = methodName(required);
  return ferryError(
    "AUTH_METHOD_REFUSED",
    offered === undefined
      ? `The peer refused to authenticate with ${name}.`
      : `The peer refused to authenticate with ${name} and offered ${offered} instead.`,
    `Configure the peer to authenticate with ${name}.`,
    offered === undefined ? { required: name } : { required: name, peerOffers: offered },
  );
}
