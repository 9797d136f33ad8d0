import { describe, expect, it } from "vitest";
import { ferryError } from "../../src/errors.js";
import { RESET_ACK_TIMEOUT_MS } from "../../src/ppp/ccp-reset.js";
import type { PppEvent } from "../../src/ppp/ppp-link.js";
import { PppLink } from "../../src/ppp/ppp-link.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { CpCode, emitCpPacket, parseCpPacket } from "../../src/wire/ppp-cp.js";
import { PPP_PROTOCOL } from "../../src/wire/ppp-frame.js";
import { seededRandom } from "../support/seeded-random.js";
import { clientConfig, eventOf, FakeAuth, KEYS, LinkPair, serverConfig } from "./link-harness.js";

const { LCP, IPCP, CCP, IPV6CP } = PPP_PROTOCOL;

function negotiation(events: readonly PppEvent[]): string[] {
  return events.filter((e) => e.type !== "echo-rtt").map((e) => e.type);
}

function finishedWith(events: readonly PppEvent[]): string | undefined {
  const finished = eventOf(events, "finished");
  expect(finished).toBeDefined();
  return finished?.error?.code;
}

function connect(pair: LinkPair): LinkPair {
  pair.start().run(20_000);
  expect(eventOf(pair.clientEvents, "finished")).toBeUndefined();
  expect(eventOf(pair.clientEvents, "ipcp-up")).toBeDefined();
  return pair;
}

describe("PppLink: client against server role", () => {
  it("renegotiates and authenticates again when its Configure-Ack was lost and the server had already opened", () => {
    const pair = new LinkPair(clientConfig(), serverConfig());
    let dropped = 0;
    pair.filter = (w) =>
      !(w.from === "server" && w.protocol === LCP && w.info[0] === CpCode.ConfigureAck && dropped++ === 0);
    connect(pair);
    expect(dropped).toBeGreaterThan(0);
    // The server saw our retransmitted Configure-Request while Opened (RFC 1661: Opened + RCR -> renegotiate).
    expect(pair.serverEvents.filter((e) => e.type === "lcp-up").length).toBe(2);
    expect(eventOf(pair.serverEvents, "finished")).toBeUndefined();
  });

  it("negotiates LCP, authenticates, then brings up CCP (128-bit stateless) before IPCP", () => {
    const pair = connect(new LinkPair(clientConfig(), serverConfig()));
    expect(negotiation(pair.clientEvents)).toEqual(["lcp-up", "authenticated", "ccp-up", "ipcp-up"]);
    expect(eventOf(pair.clientEvents, "lcp-up")).toEqual({
      type: "lcp-up",
      peerMru: 1500,
      txPfc: true,
      txAcfc: true,
    });
    expect(eventOf(pair.serverEvents, "lcp-up")).toMatchObject({ peerMru: 1400 });
    expect(eventOf(pair.clientEvents, "authenticated")).toEqual({
      type: "authenticated",
      method: "mschapv2",
      mppeKeys: KEYS,
    });
    expect(eventOf(pair.serverEvents, "authenticated")).toMatchObject({
      method: "mschapv2",
      userName: "alice",
    });
    expect(eventOf(pair.clientEvents, "ccp-up")).toEqual({
      type: "ccp-up",
      mppe: { strength: 128, stateless: true },
    });
    expect(eventOf(pair.serverEvents, "ccp-up")).toEqual({
      type: "ccp-up",
      mppe: { strength: 128, stateless: true },
    });
    expect(eventOf(pair.clientEvents, "ipcp-up")).toEqual({
      type: "ipcp-up",
      localAddress: "10.0.0.2",
      peerAddress: "10.0.0.1",
      dns: ["10.0.0.53", "10.0.0.54"],
    });
    expect(eventOf(pair.serverEvents, "ipcp-up")).toMatchObject({
      localAddress: "10.0.0.1",
      peerAddress: "10.0.0.2",
    });
    expect(pair.client.phase).toBe("network");
    // Nothing needed a retransmission.
    expect(pair.sent("client", LCP, CpCode.ConfigureRequest)).toHaveLength(1);
  });

  it("carries the MRU, PFC and ACFC each side asked for", () => {
    const pair = connect(
      new LinkPair(clientConfig({ lcp: { mru: 1400, pfc: false, acfc: true } }), serverConfig()),
    );
    expect(eventOf(pair.serverEvents, "lcp-up")).toEqual({
      type: "lcp-up",
      peerMru: 1400,
      txPfc: false,
      txAcfc: true,
    });
    // The server asked for PFC; the client does not do it, so it rejected the option.
    expect(eventOf(pair.clientEvents, "lcp-up")).toEqual({
      type: "lcp-up",
      peerMru: 1500,
      txPfc: false,
      txAcfc: true,
    });
  });

  it("reaches the network without CCP when neither side does MPPE", () => {
    const noMppe = { strengths: [], allowStateless: true, allowStateful: true, required: false } as const;
    const pair = connect(new LinkPair(clientConfig({ ccp: noMppe }), serverConfig({ ccp: noMppe })));
    expect(eventOf(pair.clientEvents, "ccp-up")).toBeUndefined();
    expect(pair.sent("client", CCP)).toEqual([]);
  });

  it("retransmits lost Configure-Requests with the same identifier and still connects", () => {
    const pair = new LinkPair(clientConfig(), serverConfig());
    let dropped = 0;
    pair.filter = (w) => !(w.protocol === LCP && w.info[0] === CpCode.ConfigureRequest && dropped++ < 2);
    connect(pair);
    const requests = pair.sent("client", LCP, CpCode.ConfigureRequest);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests[1]!.info[1]).toBe(requests[0]!.info[1]);
    expect(requests[1]!.at - requests[0]!.at).toBe(3000);
  });

  it("recovers from a lost IPCP Configure-Ack", () => {
    const pair = new LinkPair(clientConfig(), serverConfig());
    let dropped = false;
    pair.filter = (w) => {
      if (w.protocol !== IPCP || w.info[0] !== CpCode.ConfigureAck || w.from !== "server" || dropped)
        return true;
      dropped = true;
      return false;
    };
    connect(pair);
    expect(eventOf(pair.clientEvents, "ipcp-up")).toMatchObject({ localAddress: "10.0.0.2" });
  });

  it("answers a server's early IPCP request (sent before CCP is up) as soon as IPCP starts", () => {
    const pair = new LinkPair(clientConfig(), serverConfig()).start();
    for (let i = 0; i < 20 && pair.client.phase !== "network"; i++) pair.exchange();
    expect(pair.client.phase).toBe("network");
    expect(eventOf(pair.clientEvents, "ccp-up")).toBeUndefined();
    pair.client.handlePacket(
      IPCP,
      emitCpPacket(CpCode.ConfigureRequest, 0x77, fromHex("0306 0A000001")),
      pair.now,
    );
    pair.run(20_000);
    const ack = pair.sent("client", IPCP, CpCode.ConfigureAck).find((w) => w.info[1] === 0x77);
    expect(ack).toBeDefined();
    expect(negotiation(pair.clientEvents)).toEqual(["lcp-up", "authenticated", "ccp-up", "ipcp-up"]);
  });

  it("takes no DNS when the server has none to give", () => {
    const pair = connect(
      new LinkPair(
        clientConfig(),
        serverConfig({ ipcp: { localAddress: "10.0.0.1", requestDns: false, peerAddress: "10.0.0.2" } }),
      ),
    );
    expect(eventOf(pair.clientEvents, "ipcp-up")).toMatchObject({ localAddress: "10.0.0.2", dns: [] });
  });

  it("fails with NEGOTIATION_FAILED when the server cannot assign an address", () => {
    const pair = new LinkPair(
      clientConfig(),
      serverConfig({ ipcp: { localAddress: "10.0.0.1", requestDns: false } }),
    );
    pair.start().run(60_000);
    expect(finishedWith(pair.clientEvents)).toBe("NEGOTIATION_FAILED");
    expect(eventOf(pair.clientEvents, "finished")?.error?.message).toMatch(/IPv4 address/);
  });
});

describe("PppLink: protocols we do not run", () => {
  const ipv6cpRequest = emitCpPacket(CpCode.ConfigureRequest, 1, fromHex("010a 1122334455667788"));

  it("answers Debian pppd's IPV6CP with LCP Protocol-Reject once LCP is open", () => {
    const pair = connect(new LinkPair(clientConfig(), serverConfig()));
    pair.client.handlePacket(IPV6CP, ipv6cpRequest, pair.now);
    const reply = pair.client.pollPacket();
    expect(reply?.protocol).toBe(LCP);
    const packet = parseCpPacket(reply!.info);
    expect(packet.ok && packet.value.code).toBe(CpCode.ProtocolReject);
    expect(packet.ok && toHex(packet.value.data)).toBe(`8057${toHex(ipv6cpRequest)}`);
    // The server side hears the rejection and carries on.
    pair.server.handlePacket(reply!.protocol, reply!.info, pair.now);
    pair.run(pair.now + 1000);
    expect(eventOf(pair.serverEvents, "finished")).toBeUndefined();
  });

  it("fails NEGOTIATION_FAILED when the server Protocol-Rejects IPCP, before or after IPCP opened", () => {
    const early = new LinkPair(clientConfig(), serverConfig()).start();
    for (let i = 0; i < 20 && eventOf(early.clientEvents, "ccp-up") === undefined; i++) early.exchange();
    early.client.handlePacket(
      LCP,
      emitCpPacket(CpCode.ProtocolReject, 1, fromHex("8021 0101000A")),
      early.now,
    );
    early.run(early.now + 20_000);
    expect(eventOf(early.clientEvents, "finished")?.error?.message).toBe(
      "The server refused to speak IPCP (Protocol-Reject or Code-Reject).",
    );
    const late = connect(new LinkPair(clientConfig(), serverConfig()));
    late.client.handlePacket(LCP, emitCpPacket(CpCode.ProtocolReject, 1, fromHex("8021 0101000A")), late.now);
    late.run(late.now + 20_000);
    expect(finishedWith(late.clientEvents)).toBe("NEGOTIATION_FAILED");
  });

  it("silently drops them before LCP is open", () => {
    const link = new PppLink(clientConfig(), seededRandom(3));
    link.start(0);
    link.pollPacket();
    link.handlePacket(IPV6CP, ipv6cpRequest, 1);
    expect(link.pollPacket()).toBeUndefined();
  });

  it("answers CCP with Protocol-Reject when it cannot run MPPE, and a server requiring MPPE gives up", () => {
    const noMppe = { strengths: [], allowStateless: true, allowStateful: true, required: false } as const;
    const pair = new LinkPair(clientConfig({ ccp: noMppe }), serverConfig());
    pair.start().run(60_000);
    const rejects = pair.sent("client", LCP, CpCode.ProtocolReject);
    expect(rejects.length).toBeGreaterThan(0);
    expect(toHex(rejects[0]!.info.subarray(4, 6))).toBe("80FD");
    expect(finishedWith(pair.serverEvents)).toBe("ENCRYPTION_UNAVAILABLE");
    // The client only sees the server hang up before the network came up.
    expect(finishedWith(pair.clientEvents)).toBe("NEGOTIATION_FAILED");
    expect(eventOf(pair.clientEvents, "finished")?.error?.message).toMatch(/hung up while negotiating/);
  });
});

describe("PppLink: the server hangs up while CCP still negotiates", () => {
  it("tells ENCRYPTION_UNAVAILABLE, quoting the server, as pppd's 'MPPE required but peer negotiation failed'", () => {
    const pair = new LinkPair(clientConfig(), serverConfig());
    pair.filter = (w) => !(w.from === "server" && w.protocol === PPP_PROTOCOL.CCP);
    pair.start().run(1_000);
    expect(eventOf(pair.clientEvents, "authenticated")).toBeDefined();
    pair.server.close(pair.now);
    pair.run(5_000);
    const error = eventOf(pair.clientEvents, "finished")?.error;
    expect(error?.code).toBe("ENCRYPTION_UNAVAILABLE");
    expect(error?.message).toMatch(/hung up while negotiating MPPE/);
  });
});

describe("PppLink: authentication", () => {
  it("fails with the auth phase's error", () => {
    const error = ferryError("AUTH_FAILED", "The server rejected the user name or password.", "Check them.");
    const pair = new LinkPair(clientConfig({}, { error }), serverConfig({}, { error }));
    pair.start().run(60_000);
    expect(finishedWith(pair.clientEvents)).toBe("AUTH_FAILED");
    expect(eventOf(pair.clientEvents, "ipcp-up")).toBeUndefined();
  });

  it("refuses a server that never asks us to authenticate (AUTH_SERVER_UNVERIFIED)", () => {
    const pair = new LinkPair(
      clientConfig(),
      serverConfig({ auth: { allowedMethods: [], allowNoAuth: true } }),
    );
    pair.start().run(60_000);
    expect(finishedWith(pair.clientEvents)).toBe("AUTH_SERVER_UNVERIFIED");
  });

  it("accepts such a server when the profile allows no authentication (and then cannot have MPPE)", () => {
    const ccp = { strengths: [128], allowStateless: true, allowStateful: false, required: false } as const;
    const pair = connect(
      new LinkPair(
        clientConfig({ ccp, auth: { allowedMethods: ["mschapv2"], allowNoAuth: true } }),
        serverConfig({ ccp: { ...ccp }, auth: { allowedMethods: [], allowNoAuth: true } }),
      ),
    );
    expect(negotiation(pair.clientEvents)).toEqual(["lcp-up", "ipcp-up"]);
  });

  it("naks a method it does not allow with MS-CHAPv2; a server that cannot switch hangs up: AUTH_METHOD_REFUSED", () => {
    const server = serverConfig({
      auth: { allowedMethods: [], require: "chap-md5", createServer: (m) => new FakeAuth("server", m) },
    });
    const pair = new LinkPair(clientConfig(), server);
    pair.start().run(60_000);
    const nak = pair.sent("client", LCP, CpCode.ConfigureNak)[0];
    expect(nak && toHex(nak.info.subarray(4))).toBe("0305C22381");
    expect(finishedWith(pair.serverEvents)).toBe("AUTH_METHOD_REFUSED");
    const clientError = eventOf(pair.clientEvents, "finished")?.error;
    expect(clientError?.code).toBe("AUTH_METHOD_REFUSED");
    expect(clientError?.message).toMatch(/CHAP-MD5/);
  });

  it("uses a weaker method the profile allows; with MPPE required that ends in ENCRYPTION_UNAVAILABLE", () => {
    const server = serverConfig({
      auth: { allowedMethods: [], require: "chap-md5", createServer: (m) => new FakeAuth("server", m) },
    });
    const client = clientConfig({
      auth: { allowedMethods: ["mschapv2", "chap-md5"], createClient: (m) => new FakeAuth("client", m) },
    });
    const pair = new LinkPair(client, server);
    pair.start().run(60_000);
    expect(eventOf(pair.clientEvents, "authenticated")).toEqual({
      type: "authenticated",
      method: "chap-md5",
    });
    const error = eventOf(pair.clientEvents, "finished")?.error;
    expect(error?.code).toBe("ENCRYPTION_UNAVAILABLE");
    expect(error?.message).toMatch(/CHAP-MD5/);
  });

  it("runs without CCP after a keyless method when MPPE is optional", () => {
    const optional = {
      strengths: [128, 40],
      allowStateless: true,
      allowStateful: true,
      required: false,
    } as const;
    const pair = connect(
      new LinkPair(
        clientConfig({
          ccp: optional,
          auth: { allowedMethods: ["pap"], createClient: (m) => new FakeAuth("client", m) },
        }),
        serverConfig({
          ccp: optional,
          auth: { allowedMethods: [], require: "pap", createServer: (m) => new FakeAuth("server", m) },
        }),
      ),
    );
    expect(negotiation(pair.clientEvents)).toEqual(["lcp-up", "authenticated", "ipcp-up"]);
  });

  it("fails AUTH_METHOD_REFUSED naming the method when the server insists on it", () => {
    const link = new PppLink(clientConfig(), seededRandom(5));
    link.start(0);
    drain(link);
    const eap = emitCpPacket(CpCode.ConfigureRequest, 1, fromHex("0304C227 0506 01020304"));
    link.handlePacket(LCP, eap, 10);
    const nak = drain(link).find((p) => p.info[0] === CpCode.ConfigureNak);
    expect(nak && toHex(nak.info)).toBe("030100090305C22381");
    link.handlePacket(LCP, emitCpPacket(CpCode.ConfigureRequest, 2, fromHex("0304C227 0506 01020304")), 20);
    const out = drain(link);
    expect(out.some((p) => p.info[0] === CpCode.TerminateRequest)).toBe(true);
    link.handlePacket(LCP, emitCpPacket(CpCode.TerminateAck, out.at(-1)!.info[1]!, new Uint8Array(0)), 30);
    const error = finished(link);
    expect(error?.code).toBe("AUTH_METHOD_REFUSED");
    expect(error?.message).toMatch(/EAP/);
  });
});

describe("PppLink: MPPE choices", () => {
  const all = {
    strengths: [128, 56, 40],
    allowStateless: true,
    allowStateful: true,
    required: true,
  } as const;

  function mppe(client: typeof all | Record<string, unknown>, server: typeof all | Record<string, unknown>) {
    const pair = new LinkPair(
      clientConfig({ ccp: { ...all, ...client } }),
      serverConfig({ ccp: { ...all, ...server } }),
    );
    return pair.start().run(60_000);
  }

  it("both allow everything: 128-bit stateless", () => {
    const pair = mppe({}, {});
    expect(eventOf(pair.clientEvents, "ccp-up")?.mppe).toEqual({ strength: 128, stateless: true });
  });

  it("server stateful only: 128-bit stateful both ways", () => {
    const pair = mppe({}, { allowStateless: false });
    expect(eventOf(pair.clientEvents, "ccp-up")?.mppe).toEqual({ strength: 128, stateless: false });
    expect(eventOf(pair.serverEvents, "ccp-up")?.mppe).toEqual({ strength: 128, stateless: false });
    expect(eventOf(pair.clientEvents, "ipcp-up")).toBeDefined();
  });

  it("server 40-bit only: 40-bit stateless", () => {
    const pair = mppe({}, { strengths: [40] });
    expect(eventOf(pair.clientEvents, "ccp-up")?.mppe).toEqual({ strength: 40, stateless: true });
    expect(eventOf(pair.serverEvents, "ccp-up")?.mppe).toEqual({ strength: 40, stateless: true });
  });

  it("server 56-bit only: 56-bit", () => {
    const pair = mppe({}, { strengths: [56] });
    expect(eventOf(pair.clientEvents, "ccp-up")?.mppe).toEqual({ strength: 56, stateless: true });
  });

  it("client requires 128-bit, server only 40-bit: ENCRYPTION_UNAVAILABLE naming what the server offered", () => {
    const pair = mppe({ strengths: [128] }, { strengths: [40] });
    const error = eventOf(pair.clientEvents, "finished")?.error;
    expect(error?.code).toBe("ENCRYPTION_UNAVAILABLE");
    expect(error?.message).toMatch(/40-bit/);
    expect(eventOf(pair.clientEvents, "ipcp-up")).toBeUndefined();
    expect(eventOf(pair.clientEvents, "ccp-up")).toBeUndefined();
  });

  it("client stateless only, server stateful only: ENCRYPTION_UNAVAILABLE", () => {
    const pair = mppe({ allowStateful: false }, { allowStateless: false });
    expect(finishedWith(pair.clientEvents)).toBe("ENCRYPTION_UNAVAILABLE");
  });

  it("the server does no MPPE and the client does not require it: the network comes up unencrypted", () => {
    const pair = mppe({ required: false }, { strengths: [], required: false });
    expect(eventOf(pair.clientEvents, "finished")).toBeUndefined();
    expect(eventOf(pair.clientEvents, "ccp-up")).toBeUndefined();
    expect(eventOf(pair.clientEvents, "ipcp-up")).toBeDefined();
  });

  it("the server does no MPPE and the client requires it: ENCRYPTION_UNAVAILABLE", () => {
    const pair = mppe({}, { strengths: [], required: false });
    expect(finishedWith(pair.clientEvents)).toBe("ENCRYPTION_UNAVAILABLE");
  });

  it("stateful Reset-Request: the peer is told, and our Reset-Request is acked", () => {
    const pair = mppe({}, { allowStateless: false });
    pair.client.decryptionFailed(pair.now);
    pair.exchange();
    expect(eventOf(pair.serverEvents, "ccp-reset-request")).toBeDefined();
    const request = pair.sent("client", CCP, CpCode.ResetRequest)[0]!;
    const ack = pair.sent("server", CCP, CpCode.ResetAck)[0]!;
    expect(ack.info[1]).toBe(request.info[1]);
    expect(eventOf(pair.clientEvents, "finished")).toBeUndefined();
  });

  it("repeats an unanswered Reset-Request after a second while decryption keeps failing, as pppd does", () => {
    const pair = mppe({}, { allowStateless: false });
    const resetRequests = () =>
      [...drain(pair.client)].filter((p) => p.protocol === CCP && p.info[0] === CpCode.ResetRequest).length;
    pair.client.decryptionFailed(pair.now);
    expect(resetRequests()).toBe(1); // ... and it is lost: nothing reaches the server
    pair.client.decryptionFailed(pair.now + 10);
    pair.client.decryptionFailed(pair.now + 20);
    expect(resetRequests()).toBe(0);
    pair.client.handleTimeout(pair.now + RESET_ACK_TIMEOUT_MS);
    expect(resetRequests()).toBe(1);
    // No failures after that one: the next timeout passes quietly.
    pair.client.handleTimeout(pair.now + 2 * RESET_ACK_TIMEOUT_MS);
    expect(resetRequests()).toBe(0);
  });
});

describe("PppLink: keepalive", () => {
  it("measures the round trip of LCP Echo", () => {
    const pair = connect(new LinkPair(clientConfig(), serverConfig()));
    const echoAt = pair.client.nextTimeout()!;
    pair.now = echoAt;
    pair.client.handleTimeout(pair.now);
    const request = pair.client.pollPacket()!;
    expect(request.protocol).toBe(LCP);
    expect(request.info[0]).toBe(CpCode.EchoRequest);
    pair.server.handlePacket(request.protocol, request.info, pair.now + 40);
    const reply = pair.server.pollPacket()!;
    expect(reply.info[0]).toBe(CpCode.EchoReply);
    expect(reply.info[1]).toBe(request.info[1]);
    pair.client.handlePacket(reply.protocol, reply.info, pair.now + 85);
    expect(pair.client.pollEvent()).toEqual({ type: "echo-rtt", rttMs: 85 });
  });

  it("declares PEER_DEAD after echoFailures unanswered echoes", () => {
    const pair = connect(new LinkPair(clientConfig(), serverConfig()));
    const upAt = pair.now;
    pair.filter = (w) => w.from === "client";
    pair.run(upAt + 120_000);
    expect(finishedWith(pair.clientEvents)).toBe("PEER_DEAD");
    expect(pair.sent("client", LCP, CpCode.EchoRequest).filter((w) => w.at > upAt)).toHaveLength(3);
    expect(pair.client.phase).toBe("dead");
  });

  it("keeps a link whose echoes are answered", () => {
    const pair = connect(new LinkPair(clientConfig(), serverConfig()));
    pair.run(pair.now + 100_000);
    expect(eventOf(pair.clientEvents, "finished")).toBeUndefined();
    expect(pair.clientEvents.filter((e) => e.type === "echo-rtt").length).toBeGreaterThanOrEqual(9);
  });
});

describe("PppLink: ending", () => {
  it("terminates cleanly: Terminate-Request, Terminate-Ack, finished without error on both sides", () => {
    const pair = connect(new LinkPair(clientConfig(), serverConfig()));
    pair.client.close(pair.now);
    pair.run(pair.now + 20_000);
    expect(pair.sent("client", LCP, CpCode.TerminateRequest)).toHaveLength(1);
    expect(pair.sent("server", LCP, CpCode.TerminateAck)).toHaveLength(1);
    expect(eventOf(pair.clientEvents, "finished")).toEqual({ type: "finished" });
    expect(eventOf(pair.serverEvents, "finished")).toEqual({ type: "finished" });
    expect(pair.client.phase).toBe("dead");
    expect(pair.client.nextTimeout()).toBeUndefined();
  });

  it("reports a hang-up during authentication as AUTH_FAILED, with the server's reason", () => {
    const pair = new LinkPair(clientConfig(), serverConfig()).start();
    for (let i = 0; i < 20 && pair.client.phase !== "authenticate"; i++) pair.exchange();
    const reason = new TextEncoder().encode("Authentication failed");
    pair.client.handlePacket(LCP, emitCpPacket(CpCode.TerminateRequest, 9, reason), pair.now);
    pair.drainEvents();
    const error = eventOf(pair.clientEvents, "finished")?.error;
    expect(error?.code).toBe("AUTH_FAILED");
    expect(error?.message).toBe(
      'The server hung up during authentication (it said: "Authentication failed").',
    );
  });

  it("finishes at once, without error, when the peer terminates", () => {
    const pair = connect(new LinkPair(clientConfig(), serverConfig()));
    const at = pair.now;
    pair.server.close(pair.now);
    pair.exchange();
    expect(eventOf(pair.clientEvents, "finished")).toEqual({ type: "finished" });
    expect(pair.now).toBe(at);
  });

  it("gives up after Max-Terminate Terminate-Requests when nobody answers", () => {
    const pair = connect(new LinkPair(clientConfig(), serverConfig()));
    pair.filter = () => false;
    const at = pair.now;
    pair.client.close(pair.now);
    pair.run(at + 5999);
    expect(eventOf(pair.clientEvents, "finished")).toBeUndefined();
    pair.run(at + 6000);
    expect(pair.sent("client", LCP, CpCode.TerminateRequest)).toHaveLength(2);
    expect(eventOf(pair.clientEvents, "finished")).toEqual({ type: "finished" });
  });

  it("fails NEGOTIATION_FAILED after Max-Configure unanswered LCP requests", () => {
    const link = new PppLink(clientConfig(), seededRandom(9));
    link.start(0);
    let now = 0;
    for (let t = link.nextTimeout(); t !== undefined; t = link.nextTimeout()) {
      now = t;
      link.handleTimeout(now);
    }
    const out = drain(link);
    expect(out.filter((p) => p.info[0] === CpCode.ConfigureRequest)).toHaveLength(10);
    expect(now).toBe(30_000);
    const error = finished(link);
    expect(error?.code).toBe("NEGOTIATION_FAILED");
    expect(error?.message).toMatch(/never answered/);
  });

  it("fails PROTOCOL_ERROR when the server renegotiates LCP mid-session", () => {
    const pair = connect(new LinkPair(clientConfig(), serverConfig()));
    pair.client.handlePacket(
      LCP,
      emitCpPacket(CpCode.ConfigureRequest, 99, fromHex("0506 0A0B0C0D")),
      pair.now,
    );
    pair.run(pair.now + 20_000);
    expect(finishedWith(pair.clientEvents)).toBe("PROTOCOL_ERROR");
  });

  it("reports the server's reason when it ends LCP negotiation", () => {
    const link = new PppLink(clientConfig(), seededRandom(5));
    link.start(0);
    drain(link);
    const reason = new TextEncoder().encode("Too many connections");
    link.handlePacket(LCP, emitCpPacket(CpCode.TerminateRequest, 4, reason), 5);
    const out = drain(link);
    expect(toHex(out[0]!.info)).toBe("06040004");
    link.handlePacket(LCP, emitCpPacket(CpCode.TerminateAck, out.at(-1)!.info[1]!, new Uint8Array(0)), 6);
    const error = finished(link);
    expect(error?.code).toBe("NEGOTIATION_FAILED");
    expect(error?.message).toMatch(/Too many connections/);
  });

  it("a close before start finishes at once", () => {
    const link = new PppLink(clientConfig(), seededRandom(1));
    link.close(0);
    expect(link.pollEvent()).toEqual({ type: "finished" });
    link.start(0);
    expect(link.pollPacket()).toBeUndefined();
  });

  it("detects a looped-back link (LOOPBACK_DETECTED)", () => {
    const link = new PppLink(clientConfig(), seededRandom(11));
    link.start(0);
    let now = 0;
    for (let step = 0; step < 200 && link.phase !== "dead"; step++) {
      const out = drain(link);
      if (out.length === 0) {
        const t = link.nextTimeout();
        if (t === undefined) break;
        now = t;
        link.handleTimeout(now);
      }
      for (const p of out) link.handlePacket(p.protocol, p.info, now);
    }
    expect(finished(link)?.code).toBe("LOOPBACK_DETECTED");
  });
});

function drain(link: PppLink): { protocol: number; info: Uint8Array }[] {
  const out: { protocol: number; info: Uint8Array }[] = [];
  for (let p = link.pollPacket(); p !== undefined; p = link.pollPacket()) out.push(p);
  return out;
}

function finished(link: PppLink) {
  const events: PppEvent[] = [];
  for (let e = link.pollEvent(); e !== undefined; e = link.pollEvent()) events.push(e);
  const end = eventOf(events, "finished");
  expect(end).toBeDefined();
  return end?.error;
}
