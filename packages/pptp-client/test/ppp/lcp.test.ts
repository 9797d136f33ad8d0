import { describe, expect, it } from "vitest";
import { describeAuthOption, type LcpConfig, LcpOptions } from "../../src/ppp/lcp.js";
import { fromHex, readU32, toHex } from "../../src/util/bytes.js";
import { type CpOption, emitCpOptions, parseCpOptions } from "../../src/wire/ppp-cp.js";
import { seededRandom } from "../support/seeded-random.js";

const CLIENT: LcpConfig = { mru: 1400, pfc: true, acfc: true, acceptAuth: ["mschapv2"] };
const SERVER: LcpConfig = { mru: 1500, pfc: true, acfc: true, acceptAuth: [], requireAuth: "mschapv2" };

function lcp(config: LcpConfig = CLIENT) {
  const signals = { echoReplies: [] as number[], rejected: [] as number[], echoRefused: 0 };
  const options = new LcpOptions(config, seededRandom(21), {
    echoReply: (identifier) => signals.echoReplies.push(identifier),
    protocolRejected: (protocol) => signals.rejected.push(protocol),
    echoRefused: () => signals.echoRefused++,
  });
  return { options, signals };
}

function opts(hex: string): CpOption[] {
  const parsed = parseCpOptions(fromHex(hex));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

function hexOf(options: readonly CpOption[]): string {
  return toHex(emitCpOptions(options));
}

function ourMagic(options: LcpOptions): string {
  return hexOf(options.buildRequest()).match(/0506([0-9A-F]{8})/)![1]!;
}

/** The options of a pppd server's LCP request (RFC 1661 section 6 layouts): ACCM 0, CHAP/MS-CHAPv2, magic, PFC, ACFC. */
const PPPD_SERVER_REQUEST = "0206 00000000 0305 C22381 0506 1A2B3C4D 0702 0802";

describe("LCP options, client role", () => {
  it("asks for MRU 1400, a magic number, PFC and ACFC, in type order", () => {
    const { options } = lcp();
    expect(hexOf(options.buildRequest())).toMatch(/^010405780506[0-9A-F]{8}07020802$/);
    expect(ourMagic(options)).not.toBe("00000000");
  });

  it("leaves MRU out when it is the default 1500", () => {
    const { options } = lcp({ ...CLIENT, mru: 1500, pfc: false, acfc: false });
    expect(hexOf(options.buildRequest())).toMatch(/^0506[0-9A-F]{8}$/);
  });

  it("acks a pppd server's request and learns what it asked for", () => {
    const { options } = lcp();
    expect(options.checkRequest(opts(PPPD_SERVER_REQUEST), false)).toEqual({ verdict: "ack" });
    expect(options.authToPeer).toBe("mschapv2");
    expect(options.peerMru).toBe(1500);
    expect(options.txPfc).toBe(true);
    expect(options.txAcfc).toBe(true);
  });

  it("takes the peer's MRU, and naks one below 128 with 128", () => {
    const { options } = lcp();
    expect(options.checkRequest(opts("0104 05DC"), false)).toEqual({ verdict: "ack" });
    expect(options.peerMru).toBe(1500);
    const verdict = options.checkRequest(opts("0104 0040"), false);
    expect(verdict.verdict === "nak" && hexOf(verdict.options)).toBe("01040080");
  });

  it("rejects options it does not do: Callback, MRRU, Endpoint Discriminator, and PFC when configured off", () => {
    const { options } = lcp({ ...CLIENT, pfc: false });
    const verdict = options.checkRequest(opts("0104 05DC 0D03 06 1104 05DC 1303 00 0702"), false);
    expect(verdict.verdict === "reject" && hexOf(verdict.options)).toBe("0D0306110405DC1303000702");
  });

  it("naks an authentication method it does not allow with MS-CHAPv2, and fails when the server insists", () => {
    const { options } = lcp();
    const verdict = options.checkRequest(opts("0305 C22305"), false);
    expect(verdict.verdict === "nak" && hexOf(verdict.options)).toBe("0305C22381");
    expect(options.failure).toBeUndefined();
    expect(options.refusedAuthentication).toBe("CHAP-MD5");
    options.checkRequest(opts("0305 C22305"), false);
    expect(options.failure?.code).toBe("AUTH_METHOD_REFUSED");
    expect(options.failure?.message).toMatch(/insists on CHAP-MD5/);
    expect(options.failure?.message).toMatch(/MS-CHAPv2/);
  });

  it("lets a server walk through its methods: only a method asked for again counts as insisting", () => {
    const { options } = lcp();
    expect(options.checkRequest(opts("0304 C227"), false).verdict).toBe("nak");
    expect(options.checkRequest(opts("0305 C22305"), false).verdict).toBe("nak");
    expect(options.failure).toBeUndefined();
    expect(options.refusedAuthentication).toBe("CHAP-MD5");
    expect(options.checkRequest(opts("0305 C22381"), false)).toEqual({ verdict: "ack" });
    options.checkRequest(opts("0304 C227"), false);
    expect(options.failure?.message).toMatch(/insists on EAP/);
  });

  it("never accepts EAP", () => {
    const { options } = lcp({ ...CLIENT, acceptAuth: ["mschapv2", "chap-md5", "pap"] });
    const verdict = options.checkRequest(opts("0304 C227"), false);
    expect(verdict.verdict === "nak" && hexOf(verdict.options)).toBe("0305C22381");
    expect(options.refusedAuthentication).toBe("EAP");
  });

  it("accepts PAP only when allowed", () => {
    expect(lcp({ ...CLIENT, acceptAuth: ["pap"] }).options.checkRequest(opts("0304 C023"), false)).toEqual({
      verdict: "ack",
    });
    const verdict = lcp().options.checkRequest(opts("0304 C023"), false);
    expect(verdict.verdict).toBe("nak");
  });

  it("rejects Auth-Protocol when it authenticates to nobody", () => {
    const verdict = lcp(SERVER).options.checkRequest(opts("0305 C22381"), false);
    expect(verdict.verdict === "reject" && hexOf(verdict.options)).toBe("0305C22381");
  });

  it("rejects what it would nak once Max-Failure is reached", () => {
    const verdict = lcp().options.checkRequest(opts("0104 0040 0305 C22305 0702"), true);
    expect(verdict.verdict === "reject" && hexOf(verdict.options)).toBe("010400400305C22305");
  });

  it("naks its own magic number with a fresh one, and calls repeats a loopback", () => {
    const { options } = lcp();
    const magic = ourMagic(options);
    for (let i = 1; i <= 3; i++) {
      const verdict = options.checkRequest(opts(`0506 ${magic}`), false);
      expect(verdict.verdict).toBe("nak");
      const suggested = verdict.verdict === "nak" ? hexOf(verdict.options) : "";
      expect(suggested).toMatch(/^0506[0-9A-F]{8}$/);
      expect(suggested).not.toBe(`0506${magic}`);
      expect(options.failure === undefined).toBe(i < 3);
    }
    expect(options.failure?.code).toBe("LOOPBACK_DETECTED");
  });

  it("forgets a magic collision when the next request is different", () => {
    const { options } = lcp();
    const magic = ourMagic(options);
    options.checkRequest(opts(`0506 ${magic}`), false);
    options.checkRequest(opts(`0506 ${magic}`), false);
    expect(options.checkRequest(opts("0506 01020304"), false)).toEqual({ verdict: "ack" });
    options.checkRequest(opts(`0506 ${magic}`), false);
    expect(options.failure).toBeUndefined();
  });

  it("follows a Nak: a smaller MRU, a new magic number", () => {
    const { options } = lcp();
    const before = ourMagic(options);
    options.handleNak(opts(`0104 04B0 0506 ${before}`));
    expect(hexOf(options.buildRequest())).toMatch(/^010404B0/);
    expect(ourMagic(options)).not.toBe(before);
    options.handleNak(opts("0104 2328"));
    expect(hexOf(options.buildRequest())).toMatch(/^010404B0/);
  });

  it("drops what the peer rejects", () => {
    const { options } = lcp();
    options.handleReject(opts(`0104 0578 0506 ${ourMagic(options)} 0702`));
    expect(hexOf(options.buildRequest())).toBe("0802");
    expect(options.failure).toBeUndefined();
  });

  it("ignores Nak hints for options it did not request", () => {
    const { options } = lcp();
    const before = hexOf(options.buildRequest());
    options.handleNak(opts("0305 C22381"));
    expect(hexOf(options.buildRequest())).toBe(before);
    expect(options.failure).toBeUndefined();
  });
});

describe("LCP options, server role", () => {
  it("asks the peer to authenticate with MS-CHAPv2", () => {
    expect(hexOf(lcp(SERVER).options.buildRequest())).toMatch(/^0305C223810506[0-9A-F]{8}07020802$/);
  });

  it("fails AUTH_METHOD_REFUSED when the peer naks or rejects the method", () => {
    const naked = lcp(SERVER).options;
    naked.handleNak(opts("0305 C22305"));
    expect(naked.failure?.code).toBe("AUTH_METHOD_REFUSED");
    expect(naked.failure?.message).toMatch(/offered CHAP-MD5/);
    const rejected = lcp(SERVER).options;
    rejected.handleReject(opts("0305 C22381"));
    expect(rejected.failure?.code).toBe("AUTH_METHOD_REFUSED");
  });

  it("learns the acked method", () => {
    const { options } = lcp(SERVER);
    options.handleAck(options.buildRequest());
    expect(options.authFromPeer).toBe("mschapv2");
  });
});

describe("LCP codes 8-13", () => {
  function ackedClient() {
    const l = lcp();
    l.options.handleAck(l.options.buildRequest());
    return l;
  }

  it("answers Echo-Request with our magic number and the peer's data", () => {
    const { options } = ackedClient();
    const verdict = options.handleExtraCode(9, 5, fromHex("CAFEBABE 616263"), "Opened", 0);
    expect(verdict?.event).toBe("RXR");
    expect(verdict?.reply?.code).toBe(10);
    expect(toHex(verdict!.reply!.data)).toBe(`${ourMagic(options)}616263`);
    expect(readU32(verdict!.reply!.data, 0)).toBe(options.magic);
  });

  it("does not answer an Echo-Request carrying our own magic number (a loop)", () => {
    const { options } = ackedClient();
    const verdict = options.handleExtraCode(9, 5, fromHex(ourMagic(options)), "Opened", 0);
    expect(verdict).toEqual({ event: "RXR" });
  });

  it("passes Echo-Replies on only when Opened", () => {
    const { options, signals } = ackedClient();
    options.handleExtraCode(10, 8, fromHex("CAFEBABE"), "Req-Sent", 0);
    options.handleExtraCode(10, 9, fromHex("CAFEBABE"), "Opened", 0);
    options.handleExtraCode(10, 10, fromHex(ourMagic(options)), "Opened", 0);
    options.handleExtraCode(10, 11, fromHex("CAFE"), "Opened", 0);
    expect(signals.echoReplies).toEqual([9]);
  });

  it("passes Protocol-Reject on when Opened; LCP itself rejected is RXJ-", () => {
    const { options, signals } = ackedClient();
    expect(options.handleExtraCode(8, 1, fromHex("8057 0101"), "Opened", 0)).toEqual({ event: "RXJ+" });
    expect(options.handleExtraCode(8, 2, fromHex("8057"), "Ack-Sent", 0)).toEqual({});
    expect(options.handleExtraCode(8, 3, fromHex("C021"), "Opened", 0)).toEqual({ event: "RXJ-" });
    expect(options.handleExtraCode(8, 4, fromHex("80"), "Opened", 0)).toEqual({});
    expect(signals.rejected).toEqual([0x8057]);
  });

  it("takes Discard-Request, Identification and Time-Remaining quietly, and Code-Rejects unknown codes", () => {
    const { options } = ackedClient();
    expect(options.handleExtraCode(11, 1, fromHex("CAFEBABE"), "Opened", 0)).toEqual({ event: "RXR" });
    expect(options.handleExtraCode(12, 1, fromHex("CAFEBABE 4D53524153"), "Opened", 0)).toEqual({});
    expect(options.handleExtraCode(13, 1, fromHex("CAFEBABE 00000E10"), "Opened", 0)).toEqual({});
    expect(options.handleExtraCode(14, 1, new Uint8Array(0), "Opened", 0)).toBeUndefined();
  });

  it("stops keepalives when the peer Code-Rejects Echo-Request", () => {
    const { options, signals } = ackedClient();
    options.codeRejected(9);
    options.codeRejected(11);
    expect(signals.echoRefused).toBe(1);
  });
});

describe("describeAuthOption", () => {
  it.each([
    ["C22381", "MS-CHAPv2"],
    ["C22305", "CHAP-MD5"],
    ["C023", "PAP"],
    ["C227", "EAP"],
    ["C22380", "MS-CHAP (version 1)"],
    ["C22306", "CHAP with algorithm 06"],
    ["C025", "protocol 0xC025"],
    ["C2", "a malformed Auth-Protocol option (C2)"],
  ])("%s is %s", (hex, text) => {
    expect(describeAuthOption(fromHex(hex))).toBe(text);
  });
});
