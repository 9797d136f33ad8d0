/**
 * CCP (RFC 1962) as PPTP uses it: only to negotiate MPPE, option 18 (RFC 3078 section 2), the way pppd's ccp.c
 * does. We request every strength we allow; the peer naks down to one. A peer request offering several strengths is
 * naked to the strongest we both allow, keeping stateless (H) when both sides allow it. Usable in both roles.
 */
import { type FerryError, ferryError } from "../errors.js";
import type { MppeMode, MppeStrength } from "../mppe/mppe-mode.js";
import { readU32, writeU32 } from "../util/bytes.js";
import { CpCode, type CpOption } from "../wire/ppp-cp.js";
import type { ExtraCodeVerdict, OptionsHandler, RequestVerdict } from "./fsm.js";
import type { FsmState } from "./fsm-table.js";

export const CCP_OPTION_MPPE = 18;

export const ENABLE_MPPE_HINT =
  "Ask the server's administrator to enable MPPE (pppd: require-mppe-128), or allow unencrypted links in the profile.";

/** The Supported Bits of the MPPE option (RFC 3078 section 2), as one 32-bit value. */
export const MppeBits = {
  /** Stateless: a new key for every packet. */
  H: 0x01000000,
  M: 0x80,
  S: 0x40,
  L: 0x20,
  /** Obsolete. */
  D: 0x10,
  /** MPPC compression, which we do not do. */
  C: 0x01,
} as const;

const STRENGTHS_STRONGEST_FIRST: readonly { readonly strength: MppeStrength; readonly bit: number }[] = [
  { strength: 128, bit: MppeBits.S },
  { strength: 56, bit: MppeBits.M },
  { strength: 40, bit: MppeBits.L },
];

export interface CcpConfig {
  /** Key strengths we accept; empty disables MPPE. */
  readonly strengths: readonly MppeStrength[];
  readonly allowStateless: boolean;
  readonly allowStateful: boolean;
  /** Refuse to run the link without MPPE. */
  readonly required: boolean;
}

export interface CcpSignals {
  /** The peer lost sync with our stateful MPPE stream (Reset-Request): flush the encrypter. */
  resetRequested(now: number): void;
  /** The peer acknowledged our Reset-Request. */
  resetAcked(): void;
}

/** Whether this config can negotiate MPPE at all. */
export function mppeEnabled(config: CcpConfig): boolean {
  return config.strengths.length > 0 && (config.allowStateless || config.allowStateful);
}

export class CcpOptions implements OptionsHandler {
  failure: FerryError | undefined;
  /** The MPPE bits we request (undefined: we do not ask for MPPE). */
  private want: number | undefined;
  /** MPPE bits the peer acked in our request (how it encrypts to us) and we acked in its (how we encrypt). */
  private ackedByPeer: number | undefined;
  private ackedByUs: number | undefined;

  constructor(
    private readonly config: CcpConfig,
    private readonly signals: CcpSignals,
  ) {
    this.want = this.initialWish();
  }

  /**
   * The mode once CCP is up: undefined when neither side asked for MPPE, an error when the two directions did not
   * settle on one and the same mode (the MPPE layer runs one mode both ways), or when MPPE is required and absent.
   */
  result(): MppeMode | FerryError | undefined {
    const received = this.ackedByPeer === undefined ? undefined : modeOf(this.ackedByPeer);
    const sent = this.ackedByUs === undefined ? undefined : modeOf(this.ackedByUs);
    if (received === undefined && sent === undefined) {
      if (!this.config.required) return undefined;
      return ferryError(
        "ENCRYPTION_UNAVAILABLE",
        "The server finished CCP without agreeing to MPPE encryption.",
        ENABLE_MPPE_HINT,
      );
    }
    if (received === undefined || sent === undefined || !sameMode(received, sent)) {
      return ferryError(
        "ENCRYPTION_UNAVAILABLE",
        `The server agreed to ${describeMode(received)} one way and ${describeMode(sent)} the other.`,
        "Allow only one MPPE mode in the profile (stateless is the usual one) so both directions match.",
        { serverToUs: describeMode(received), usToServer: describeMode(sent) },
      );
    }
    return received;
  }

  resetOptions(): void {
    this.want = this.initialWish();
  }

  buildRequest(): CpOption[] {
    return this.want === undefined ? [] : [mppeOption(this.want)];
  }

  checkRequest(options: readonly CpOption[], rejectNotNak: boolean): RequestVerdict {
    const rejects: CpOption[] = [];
    let suggestion: number | undefined;
    let offered: number | undefined;
    for (const option of options) {
      // Everything but MPPE (MPPC-only, Deflate, BSD-Compress, Predictor...) is compression we do not do.
      if (option.type !== CCP_OPTION_MPPE || option.data.length !== 4 || !mppeEnabled(this.config)) {
        rejects.push(option);
        continue;
      }
      offered = readU32(option.data, 0);
      const choice = this.choose(offered);
      if (choice === undefined) {
        if (this.config.required) this.failure ??= this.unacceptable("offers", offered);
        rejects.push(option);
      } else if (choice !== offered) {
        if (rejectNotNak) rejects.push(option);
        else suggestion = choice;
      }
    }
    if (rejects.length > 0) return { verdict: "reject", options: rejects };
    if (suggestion !== undefined) return { verdict: "nak", options: [mppeOption(suggestion)] };
    this.ackedByUs = offered;
    // Follow the peer's choice of statefulness in our own request, so that both directions end in one mode.
    if (offered !== undefined && this.want !== undefined)
      this.want = (this.want & ~MppeBits.H) | (offered & MppeBits.H);
    return { verdict: "ack" };
  }

  handleAck(options: readonly CpOption[]): void {
    const mppe = options.find((o) => o.type === CCP_OPTION_MPPE && o.data.length === 4);
    this.ackedByPeer = mppe === undefined ? undefined : readU32(mppe.data, 0);
  }

  handleNak(options: readonly CpOption[]): void {
    const mppe = options.find((o) => o.type === CCP_OPTION_MPPE && o.data.length === 4);
    if (mppe === undefined || this.want === undefined) return;
    const suggested = readU32(mppe.data, 0);
    const choice = this.choose(suggested);
    // Take the strongest suggested strength we allow, but never flip the mode the peer asked for.
    if (choice !== undefined && (choice & MppeBits.H) === (suggested & MppeBits.H)) {
      this.want = choice;
      return;
    }
    if (this.config.required) this.failure ??= this.unacceptable("wants", suggested);
    this.want = undefined;
  }

  handleReject(options: readonly CpOption[]): void {
    if (!options.some((o) => o.type === CCP_OPTION_MPPE) || this.want === undefined) return;
    this.want = undefined;
    if (this.config.required) {
      this.failure ??= ferryError(
        "ENCRYPTION_UNAVAILABLE",
        "The server refused MPPE encryption (it rejected the CCP MPPE option).",
        ENABLE_MPPE_HINT,
      );
    }
  }

  handleExtraCode(
    code: number,
    _identifier: number,
    _data: Uint8Array,
    state: FsmState,
    now: number,
  ): ExtraCodeVerdict | undefined {
    switch (code) {
      case CpCode.ResetRequest:
        // Only an Opened CCP has an encrypter to flush (pppd ignores it otherwise).
        if (state !== "Opened") return {};
        this.signals.resetRequested(now);
        return { reply: { code: CpCode.ResetAck, data: new Uint8Array(0) } };
      case CpCode.ResetAck:
        this.signals.resetAcked();
        return {};
      default:
        return undefined;
    }
  }

  /** The single-strength bits we accept for an offer: its strongest strength we allow, in a mode we allow. */
  private choose(offered: number): number | undefined {
    const strength = STRENGTHS_STRONGEST_FIRST.find(
      (s) => (offered & s.bit) !== 0 && this.config.strengths.includes(s.strength),
    );
    if (strength === undefined) return undefined;
    const { allowStateless, allowStateful } = this.config;
    const offeredStateless = (offered & MppeBits.H) !== 0;
    const stateless = offeredStateless ? allowStateless : !allowStateful;
    if (stateless ? !allowStateless : !allowStateful) return undefined;
    return strength.bit | (stateless ? MppeBits.H : 0);
  }

  private initialWish(): number | undefined {
    if (!mppeEnabled(this.config)) return undefined;
    let bits = this.config.allowStateless ? MppeBits.H : 0;
    for (const s of STRENGTHS_STRONGEST_FIRST) if (this.config.strengths.includes(s.strength)) bits |= s.bit;
    return bits;
  }

  private unacceptable(verb: "offers" | "wants", bits: number): FerryError {
    const allowed = describeAllowed(this.config);
    return ferryError(
      "ENCRYPTION_UNAVAILABLE",
      `The server ${verb} ${describeMppeBits(bits)}, which this profile does not allow (it allows ${allowed}).`,
      "Allow that strength or mode in the profile if you accept it, or ask the server's administrator for 128-bit MPPE.",
      { serverOffers: describeMppeBits(bits), allowed },
    );
  }
}

function mppeOption(bits: number): CpOption {
  const data = new Uint8Array(4);
  writeU32(data, 0, bits);
  return { type: CCP_OPTION_MPPE, data };
}

/** The mode a set of bits selects: its strongest strength (Linux's ppp_mppe does the same with ambiguous bits). */
function modeOf(bits: number): MppeMode | undefined {
  const strength = STRENGTHS_STRONGEST_FIRST.find((s) => (bits & s.bit) !== 0);
  return strength === undefined
    ? undefined
    : { strength: strength.strength, stateless: (bits & MppeBits.H) !== 0 };
}

function sameMode(a: MppeMode, b: MppeMode): boolean {
  return a.strength === b.strength && a.stateless === b.stateless;
}

function describeMode(mode: MppeMode | undefined): string {
  return mode === undefined
    ? "no encryption"
    : `${mode.strength}-bit ${mode.stateless ? "stateless" : "stateful"} MPPE`;
}

/** MPPE Supported Bits in words: "128-bit or 40-bit stateless MPPE", "MPPC compression without encryption"... */
export function describeMppeBits(bits: number): string {
  const strengths = STRENGTHS_STRONGEST_FIRST.filter((s) => (bits & s.bit) !== 0).map(
    (s) => `${s.strength}-bit`,
  );
  if (strengths.length === 0)
    return (bits & MppeBits.C) !== 0 ? "MPPC compression without encryption" : "no encryption";
  return `${strengths.join(" or ")} ${(bits & MppeBits.H) !== 0 ? "stateless" : "stateful"} MPPE`;
}

function describeAllowed(config: CcpConfig): string {
  const strengths = STRENGTHS_STRONGEST_FIRST.filter((s) => config.strengths.includes(s.strength)).map(
    (s) => `${s.strength}-bit`,
  );
  const modes = [config.allowStateless ? "stateless" : "", config.allowStateful ? "stateful" : ""].filter(
    Boolean,
  );
  if (strengths.length === 0 || modes.length === 0) return "no MPPE at all";
  return `${strengths.join(" or ")} ${modes.join(" or ")} MPPE`;
}
