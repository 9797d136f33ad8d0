import { describe, expect, it } from "vitest";
import { type IpcpConfig, IpcpOptions } from "../../src/ppp/ipcp.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { formatIpv4, parseIpv4 } from "../../src/util/ipv4.js";
import { type CpOption, emitCpOptions, emitCpPacket, parseCpOptions } from "../../src/wire/ppp-cp.js";

const CLIENT: IpcpConfig = { requestDns: true };
const SERVER: IpcpConfig = {
  localAddress: "10.0.0.1",
  requestDns: false,
  peerAddress: "10.0.0.2",
  peerDns: ["10.0.0.53", "10.0.0.54"],
};

function opts(hex: string): CpOption[] {
  const parsed = parseCpOptions(fromHex(hex));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

function hexOf(options: readonly CpOption[]): string {
  return toHex(emitCpOptions(options));
}

describe("IPCP options, client role", () => {
  it("asks for 0.0.0.0 as its address and both DNS servers (RFC 1332 / RFC 1877 layout)", () => {
    const request = emitCpPacket(1, 0x30, emitCpOptions(new IpcpOptions(CLIENT).buildRequest()));
    expect(toHex(request)).toBe("01300016030600000000810600000000830600000000");
  });

  it("adopts the values the server naks back, and reports them once acked", () => {
    const ipcp = new IpcpOptions(CLIENT);
    ipcp.handleNak(opts("0306 0A000002 8106 0A000035 8306 0A000036"));
    const request = ipcp.buildRequest();
    expect(hexOf(request)).toBe("03060A00000281060A00003583060A000036");
    expect(ipcp.checkRequest(opts("0306 0A000001"), false)).toEqual({ verdict: "ack" });
    ipcp.handleAck(request);
    expect(ipcp.result()).toEqual({
      localAddress: "10.0.0.2",
      peerAddress: "10.0.0.1",
      dns: ["10.0.0.53", "10.0.0.54"],
    });
  });

  it("lists a DNS server once when the server names it for both options, as pppd with one ms-dns does", () => {
    const ipcp = new IpcpOptions(CLIENT);
    ipcp.handleNak(opts("0306 0A000002 8106 0A000035 8306 0A000035"));
    const request = ipcp.buildRequest();
    ipcp.handleAck(request);
    expect(ipcp.result()).toMatchObject({ dns: ["10.0.0.53"] });
  });

  it("drops DNS the server rejects, and keeps going without it", () => {
    const ipcp = new IpcpOptions(CLIENT);
    ipcp.handleReject(opts("8106 00000000 8306 00000000"));
    expect(hexOf(ipcp.buildRequest())).toBe("030600000000");
    expect(ipcp.failure).toBeUndefined();
    ipcp.handleAck(opts("0306 C0A80002"));
    expect(ipcp.result()).toEqual({ localAddress: "192.168.0.2", peerAddress: "0.0.0.0", dns: [] });
  });

  it("fails NEGOTIATION_FAILED when the server rejects the address it should assign", () => {
    const ipcp = new IpcpOptions(CLIENT);
    ipcp.handleReject(opts("0306 00000000"));
    expect(ipcp.failure?.code).toBe("NEGOTIATION_FAILED");
  });

  it("keeps a static address the server rejects", () => {
    const ipcp = new IpcpOptions({ localAddress: "192.0.2.7", requestDns: false });
    expect(hexOf(ipcp.buildRequest())).toBe("0306C0000207");
    ipcp.handleReject(opts("0306 C0000207"));
    expect(ipcp.failure).toBeUndefined();
    expect(ipcp.buildRequest()).toEqual([]);
    expect(ipcp.result()).toMatchObject({ localAddress: "192.0.2.7" });
  });

  it("is an error to come up without an address", () => {
    const ipcp = new IpcpOptions(CLIENT);
    ipcp.handleAck(opts("0306 00000000"));
    expect(ipcp.result()).toMatchObject({ code: "NEGOTIATION_FAILED" });
  });

  it("rejects IP-Compression-Protocol, IP-Addresses, NBNS and unknown options", () => {
    const verdict = new IpcpOptions(CLIENT).checkRequest(
      opts("0306 0A000001 0206 002D0F01 010A 0A0000010A000002 8206 00000000 9002"),
      false,
    );
    expect(verdict.verdict === "reject" && hexOf(verdict.options)).toBe(
      "0206002D0F01010A0A0000010A0000028206000000009002",
    );
  });

  it("rejects a peer asking it for an address or DNS it does not have", () => {
    const verdict = new IpcpOptions(CLIENT).checkRequest(opts("0306 00000000 8106 00000000"), false);
    expect(verdict.verdict === "reject" && hexOf(verdict.options)).toBe("030600000000810600000000");
  });

  it("rejects malformed lengths", () => {
    const verdict = new IpcpOptions(CLIENT).checkRequest(opts("0304 0A00"), false);
    expect(verdict.verdict).toBe("reject");
  });
});

describe("IPCP options, server role", () => {
  it("asks for its own address only", () => {
    expect(hexOf(new IpcpOptions(SERVER).buildRequest())).toBe("03060A000001");
  });

  it("naks a client's 0.0.0.0 with the assigned address and DNS, then acks them", () => {
    const ipcp = new IpcpOptions(SERVER);
    const verdict = ipcp.checkRequest(opts("0306 00000000 8106 00000000 8306 00000000"), false);
    expect(verdict.verdict === "nak" && hexOf(verdict.options)).toBe("03060A00000281060A00003583060A000036");
    expect(ipcp.checkRequest(opts("0306 0A000002 8106 0A000035 8306 0A000036"), false)).toEqual({
      verdict: "ack",
    });
    ipcp.handleAck(opts("0306 0A000001"));
    expect(ipcp.result()).toEqual({ localAddress: "10.0.0.1", peerAddress: "10.0.0.2", dns: [] });
  });

  it("naks a client asking for another address, or rejects once Max-Failure is reached", () => {
    const ipcp = new IpcpOptions(SERVER);
    const nak = ipcp.checkRequest(opts("0306 0A000009"), false);
    expect(nak.verdict === "nak" && hexOf(nak.options)).toBe("03060A000002");
    const reject = ipcp.checkRequest(opts("0306 0A000009"), true);
    expect(reject.verdict === "reject" && hexOf(reject.options)).toBe("03060A000009");
  });

  it("rejects DNS requests when it has no DNS to give", () => {
    const ipcp = new IpcpOptions({ ...SERVER, peerDns: ["10.0.0.53"] });
    const verdict = ipcp.checkRequest(opts("0306 0A000002 8106 0A000035 8306 00000000"), false);
    expect(verdict.verdict === "reject" && hexOf(verdict.options)).toBe("830600000000");
  });
});

describe("IPv4 addresses", () => {
  it.each([
    ["0.0.0.0", 0],
    ["10.0.0.1", 0x0a000001],
    ["255.255.255.255", 0xffffffff],
  ])("%s is %s", (text, value) => {
    expect(parseIpv4(text)).toBe(value);
    expect(formatIpv4(value)).toBe(text);
  });

  it.each(["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "a.b.c.d", "1..2.3", " 1.2.3.4"])("refuses %j", (text) => {
    expect(parseIpv4(text)).toBeUndefined();
  });
});
