import { describe, expect, it } from "vitest";
import { type CcpConfig, CcpOptions, describeMppeBits, mppeEnabled } from "../../src/ppp/ccp.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { type CpOption, emitCpOptions, emitCpPacket, parseCpOptions } from "../../src/wire/ppp-cp.js";

const ALL: CcpConfig = {
  strengths: [128, 56, 40],
  allowStateless: true,
  allowStateful: true,
  required: true,
};

function ccp(config: Partial<CcpConfig> = {}) {
  const resets: number[] = [];
  const options = new CcpOptions(
    { ...ALL, ...config },
    { resetRequested: (now) => resets.push(now), resetAcked: () => {} },
  );
  return { options, resets };
}

function opts(hex: string): CpOption[] {
  const parsed = parseCpOptions(fromHex(hex));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

function hexOf(options: readonly CpOption[]): string {
  return toHex(emitCpOptions(options));
}

// RFC 3078 section 2: Type 18, Length 6, Supported Bits with H = 0x01000000, M = 0x80, S = 0x40, L = 0x20, C = 0x01.
describe("CCP MPPE option, our request", () => {
  it.each([
    [{}, "1206010000E0"],
    [{ allowStateless: false }, "1206000000E0"],
    [{ strengths: [128] as const }, "120601000040"],
    [{ strengths: [40, 56] as const, allowStateful: false }, "1206010000A0"],
  ])("%j asks for %s", (config, hex) => {
    expect(hexOf(ccp(config).options.buildRequest())).toBe(hex);
  });

  it("is a whole CCP Configure-Request in the RFC layout", () => {
    expect(toHex(emitCpPacket(1, 1, emitCpOptions(ccp({ strengths: [128] }).options.buildRequest())))).toBe(
      "0101000A120601000040",
    );
  });

  it("asks for nothing when MPPE is off", () => {
    expect(ccp({ strengths: [] }).options.buildRequest()).toEqual([]);
    expect(mppeEnabled({ ...ALL, strengths: [] })).toBe(false);
    expect(mppeEnabled({ ...ALL, allowStateless: false, allowStateful: false })).toBe(false);
    expect(mppeEnabled(ALL)).toBe(true);
  });

  it("takes the strongest strength the peer naks back, in the peer's mode", () => {
    const { options } = ccp();
    options.handleNak(opts("1206 01000060"));
    expect(hexOf(options.buildRequest())).toBe("120601000040");
    const stateful = ccp().options;
    stateful.handleNak(opts("1206 00000020"));
    expect(hexOf(stateful.buildRequest())).toBe("120600000020");
  });

  it("fails ENCRYPTION_UNAVAILABLE on a Nak it cannot follow while MPPE is required", () => {
    const { options } = ccp({ strengths: [128] });
    options.handleNak(opts("1206 01000020"));
    expect(options.failure?.code).toBe("ENCRYPTION_UNAVAILABLE");
    expect(options.failure?.message).toBe(
      "The server wants 40-bit stateless MPPE, which this profile does not allow (it allows 128-bit stateless or stateful MPPE).",
    );
  });

  it("stops asking for MPPE after such a Nak when MPPE is optional", () => {
    const { options } = ccp({ strengths: [128], required: false });
    options.handleNak(opts("1206 01000020"));
    expect(options.failure).toBeUndefined();
    expect(options.buildRequest()).toEqual([]);
  });

  it("fails when the peer rejects MPPE while it is required", () => {
    const { options } = ccp();
    options.handleReject(opts("1206 010000E0"));
    expect(options.failure?.code).toBe("ENCRYPTION_UNAVAILABLE");
    expect(options.buildRequest()).toEqual([]);
    const optional = ccp({ required: false }).options;
    optional.handleReject(opts("1206 010000E0"));
    expect(optional.failure).toBeUndefined();
  });
});

describe("CCP MPPE option, the peer's request", () => {
  it("naks several strengths with the strongest allowed one, keeping H", () => {
    const verdict = ccp().options.checkRequest(opts("1206 010000E0"), false);
    expect(verdict.verdict === "nak" && hexOf(verdict.options)).toBe("120601000040");
  });

  it("acks a single allowed strength", () => {
    expect(ccp().options.checkRequest(opts("1206 01000040"), false)).toEqual({ verdict: "ack" });
  });

  it("naks down to what it allows: 40-bit only", () => {
    const verdict = ccp({ strengths: [40] }).options.checkRequest(opts("1206 01000060"), false);
    expect(verdict.verdict === "nak" && hexOf(verdict.options)).toBe("120601000020");
  });

  it("clears the MPPC and obsolete D bits", () => {
    const verdict = ccp().options.checkRequest(opts("1206 01000051"), false);
    expect(verdict.verdict === "nak" && hexOf(verdict.options)).toBe("120601000040");
  });

  it("acks a stateful request when stateful is allowed, and follows that mode in its own request", () => {
    const { options } = ccp();
    expect(options.checkRequest(opts("1206 00000040"), false)).toEqual({ verdict: "ack" });
    expect(hexOf(options.buildRequest())).toBe("1206000000E0");
  });

  it("naks a stateless request to stateful when only stateful is allowed, and the reverse", () => {
    const toStateful = ccp({ allowStateless: false }).options.checkRequest(opts("1206 01000040"), false);
    expect(toStateful.verdict === "nak" && hexOf(toStateful.options)).toBe("120600000040");
    const toStateless = ccp({ allowStateful: false }).options.checkRequest(opts("1206 00000040"), false);
    expect(toStateless.verdict === "nak" && hexOf(toStateless.options)).toBe("120601000040");
  });

  it("rejects an offer with nothing acceptable, and names it when MPPE is required", () => {
    const { options } = ccp({ strengths: [128] });
    const verdict = options.checkRequest(opts("1206 01000020"), false);
    expect(verdict.verdict === "reject" && hexOf(verdict.options)).toBe("120601000020");
    expect(options.failure?.code).toBe("ENCRYPTION_UNAVAILABLE");
    expect(options.failure?.message).toMatch(
      /^The server offers 40-bit stateless MPPE, which this profile does not allow/,
    );
  });

  it("rejects MPPC alone, and every other compression method", () => {
    const { options } = ccp({ required: false });
    const verdict = options.checkRequest(opts("1206 00000001 1A04 7800 1503 2F 0102 0202"), false);
    expect(verdict.verdict === "reject" && hexOf(verdict.options)).toBe("1206000000011A04780015032F01020202");
    expect(options.failure).toBeUndefined();
  });

  it("rejects MPPE when it does no MPPE", () => {
    const verdict = ccp({ strengths: [], required: false }).options.checkRequest(
      opts("1206 01000040"),
      false,
    );
    expect(verdict.verdict).toBe("reject");
  });

  it("rejects instead of nakking once Max-Failure is reached", () => {
    const verdict = ccp().options.checkRequest(opts("1206 010000E0"), true);
    expect(verdict.verdict === "reject" && hexOf(verdict.options)).toBe("1206010000E0");
  });
});

describe("CCP result", () => {
  it("is the mode both directions agreed on", () => {
    const { options } = ccp();
    options.checkRequest(opts("1206 01000040"), false);
    options.handleAck(opts("1206 01000040"));
    expect(options.result()).toEqual({ strength: 128, stateless: true });
  });

  it("is an error when the directions differ", () => {
    const { options } = ccp();
    options.checkRequest(opts("1206 01000020"), false);
    options.handleAck(opts("1206 01000040"));
    expect(options.result()).toMatchObject({ code: "ENCRYPTION_UNAVAILABLE" });
    const oneWay = ccp().options;
    oneWay.handleAck(opts("1206 01000040"));
    oneWay.checkRequest([], false);
    expect(oneWay.result()).toMatchObject({ code: "ENCRYPTION_UNAVAILABLE" });
  });

  it("is nothing when nobody asked for MPPE and it is optional, an error when it is required", () => {
    const optional = ccp({ required: false }).options;
    optional.checkRequest([], false);
    optional.handleAck([]);
    expect(optional.result()).toBeUndefined();
    const required = ccp().options;
    required.checkRequest([], false);
    required.handleAck([]);
    expect(required.result()).toMatchObject({ code: "ENCRYPTION_UNAVAILABLE" });
  });
});

describe("CCP Reset-Request and Reset-Ack", () => {
  it("answers Reset-Request with Reset-Ack and tells the link, when Opened", () => {
    const { options, resets } = ccp();
    expect(options.handleExtraCode(14, 3, new Uint8Array(0), "Opened", 50)).toEqual({
      reply: { code: 15, data: new Uint8Array(0) },
    });
    expect(resets).toEqual([50]);
    expect(options.handleExtraCode(14, 4, new Uint8Array(0), "Req-Sent", 60)).toEqual({});
    expect(resets).toEqual([50]);
  });

  it("takes Reset-Ack quietly and Code-Rejects unknown codes", () => {
    const { options } = ccp();
    expect(options.handleExtraCode(15, 3, new Uint8Array(0), "Opened", 0)).toEqual({});
    expect(options.handleExtraCode(9, 3, new Uint8Array(0), "Opened", 0)).toBeUndefined();
  });
});

describe("describeMppeBits", () => {
  it.each([
    [0x010000e0, "128-bit or 56-bit or 40-bit stateless MPPE"],
    [0x00000040, "128-bit stateful MPPE"],
    [0x00000001, "MPPC compression without encryption"],
    [0, "no encryption"],
  ])("%s", (bits, text) => {
    expect(describeMppeBits(bits)).toBe(text);
  });
});
