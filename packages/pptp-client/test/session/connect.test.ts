import { describe, expect, it } from "vitest";
import type { SessionEvent } from "../../src/session/events.js";
import { Simulation } from "../support/simulation.js";

type Connected = Extract<SessionEvent, { type: "connected" }>;

function connected(sim: Simulation): Connected {
  const event = sim.connect();
  if (event?.type !== "connected") throw new Error(`expected connected, got ${JSON.stringify(event)}`);
  return event;
}

function failure(sim: Simulation, limitMs = 60_000) {
  sim.start();
  sim.runUntil(() => sim.closedEvent() !== undefined, limitMs);
  const closed = sim.closedEvent();
  if (closed === undefined) throw new Error(`no closed event; events: ${JSON.stringify(sim.events)}`);
  return closed.error;
}

describe("connecting to a pptpd-like server", () => {
  it("comes up with MS-CHAPv2, MPPE-128 stateless, the assigned addresses and DNS, and reports each step in order", () => {
    const sim = new Simulation();
    const event = connected(sim);
    expect(event).toEqual({
      type: "connected",
      localAddress: "10.0.0.2",
      peerAddress: "10.0.0.1",
      dns: ["10.0.0.53", "10.0.0.54"],
      mtu: 1396, // the server's MRU 1400 less MPPE's 4 bytes
      mppe: { strength: 128, stateless: true },
      authMethod: "mschapv2",
    });
    expect(sim.events.map((e) => e.type)).toEqual([
      "control-established",
      "call-established",
      "gre-received",
      "link-established",
      "authenticated",
      "encryption",
      "connected",
    ]);
    expect(sim.client.state).toBe("connected");
  });

  it("accepts pptpd's Call ID 0 for the first call", () => {
    const sim = new Simulation({ peer: { control: { firstCallId: 0 } } });
    connected(sim);
    expect(sim.events.find((e) => e.type === "call-established")).toMatchObject({ peerCallId: 0 });
  });

  it("refuses the IPV6CP that Debian's pppd offers with an LCP Protocol-Reject, and still connects", () => {
    const sim = new Simulation({ peer: { offerIpv6cp: true } });
    connected(sim);
    expect(sim.peer.ipv6cpRejected).toBe(true);
  });

  it("follows a server that allows only stateful MPPE", () => {
    const sim = new Simulation({
      peer: { mppe: { strengths: [128], allowStateless: false, allowStateful: true, required: true } },
    });
    expect(connected(sim).mppe).toEqual({ strength: 128, stateless: false });
  });

  it("connects with 40-bit MPPE when that is all the server offers and the profile allows it", () => {
    const sim = new Simulation({
      peer: { mppe: { strengths: [40], allowStateless: true, allowStateful: true, required: true } },
    });
    expect(connected(sim).mppe).toEqual({ strength: 40, stateless: true });
  });

  it("refuses a 40-bit-only server with ENCRYPTION_UNAVAILABLE when the profile demands 128-bit", () => {
    const sim = new Simulation({
      client: { mppe: { strengths: [128] } },
      peer: { mppe: { strengths: [40], allowStateless: true, allowStateful: true, required: true } },
    });
    expect(failure(sim)?.code).toBe("ENCRYPTION_UNAVAILABLE");
  });

  it("refuses a server without MPPE by default, and runs unencrypted only when the profile says so", () => {
    const noMppe = { strengths: [], allowStateless: true, allowStateful: true, required: false } as const;
    expect(failure(new Simulation({ peer: { mppe: noMppe } }))?.code).toBe("ENCRYPTION_UNAVAILABLE");

    const sim = new Simulation({ client: { mppe: { required: false } }, peer: { mppe: noMppe } });
    const event = connected(sim);
    expect(event.mppe).toBeUndefined();
    expect(event.mtu).toBe(1400);
  });

  it("uses the MTU the profile asks for when it is below what the server allows", () => {
    expect(connected(new Simulation({ client: { mtu: 1300 } })).mtu).toBe(1300);
  });
});

describe("authentication", () => {
  it("reports AUTH_FAILED for a wrong password in well under 10 s and closes the control connection", () => {
    const sim = new Simulation({ client: { password: "wrong" } });
    const error = failure(sim);
    expect(error?.code).toBe("AUTH_FAILED");
    expect(error?.message).toMatch(/user name or password/);
    expect(sim.now).toBeLessThan(10_000);
    expect(sim.peer.control.received.map((m) => m.type)).toContain("stop-control-connection-request");
    expect(JSON.stringify(sim.events)).not.toContain("wrong");
  });

  it("refuses a server that cannot prove it knows the password (AUTH_SERVER_UNVERIFIED)", () => {
    for (const authQuirks of [{ badAuthenticatorResponse: true }, { omitAuthenticatorResponse: true }]) {
      const sim = new Simulation({ peer: { authQuirks } });
      expect(failure(sim)?.code).toBe("AUTH_SERVER_UNVERIFIED");
      expect(sim.events.some((e) => e.type === "connected")).toBe(false);
    }
  });

  it("refuses PAP unless the profile allows it, and PAP gives no MPPE keys", () => {
    expect(failure(new Simulation({ peer: { authMethod: "pap" } }))?.code).toBe("AUTH_METHOD_REFUSED");
    const needsMppe = new Simulation({ client: { authMethods: ["pap"] }, peer: { authMethod: "pap" } });
    expect(failure(needsMppe)?.code).toBe("ENCRYPTION_UNAVAILABLE");
    const sim = new Simulation({
      client: { authMethods: ["pap"], mppe: { required: false } },
      peer: {
        authMethod: "pap",
        mppe: { strengths: [], allowStateless: true, allowStateful: true, required: false },
      },
    });
    expect(connected(sim).authMethod).toBe("pap");
  });

  it("authenticates with CHAP-MD5 only when the profile allows it", () => {
    expect(failure(new Simulation({ peer: { authMethod: "chap-md5" } }))?.code).toBe("AUTH_METHOD_REFUSED");
    const sim = new Simulation({
      client: { authMethods: ["chap-md5"], mppe: { required: false } },
      peer: {
        authMethod: "chap-md5",
        mppe: { strengths: [], allowStateless: true, allowStateful: true, required: false },
      },
    });
    expect(connected(sim).authMethod).toBe("chap-md5");
  });
});

describe("servers that refuse or do not answer", () => {
  it("reports CONTROL_REJECTED when Start-Control-Connection is refused", () => {
    const sim = new Simulation({ peer: { control: { rejectControl: { result: 4, error: 0 } } } });
    const error = failure(sim);
    expect(error?.code).toBe("CONTROL_REJECTED");
    expect(error?.detail).toMatchObject({ resultCode: 4 });
  });

  it("reports CALL_REJECTED when Outgoing-Call is refused", () => {
    const sim = new Simulation({ peer: { control: { rejectCall: { result: 4, error: 0 } } } });
    expect(failure(sim)?.code).toBe("CALL_REJECTED");
  });

  it("reports CONTROL_TIMEOUT when the server never answers on TCP 1723", () => {
    const sim = new Simulation({ peer: { control: { silent: true } } });
    const error = failure(sim);
    expect(error?.code).toBe("CONTROL_TIMEOUT");
    expect(sim.now).toBeLessThan(20_000);
  });

  it("reports GRE_TIMEOUT, naming IP protocol 47, when the call is up but no GRE comes back", () => {
    const sim = new Simulation({ blockGre: true, client: { timers: { greTimeoutMs: 3_000 } } });
    const error = failure(sim);
    expect(error?.code).toBe("GRE_TIMEOUT");
    expect(error?.message).toMatch(/protocol 47/);
    expect(sim.now).toBeLessThan(3_000 + 2_000);
    expect(sim.peer.control.received.map((m) => m.type)).toContain("call-clear-request");
  });

  it("explains a server that hangs up right after the call, before any GRE: its GRE was refused on the way", () => {
    const sim = new Simulation({ blockGre: true });
    sim.start();
    sim.runUntil(() => sim.events.some((e) => e.type === "call-established"));
    const callEvent = sim.events.find((e) => e.type === "call-established");
    sim.peer.control.disconnectCall(callEvent?.type === "call-established" ? callEvent.peerCallId : 0, 3);
    sim.flush();
    sim.runUntil(() => sim.closedEvent() !== undefined);
    const error = sim.closedEvent()?.error;
    expect(error?.code).toBe("CALL_DISCONNECTED");
    expect(error?.message).toMatch(/before any GRE came back/);
    expect(error?.detail).toMatchObject({ greReceived: false });
  });

  it("hangs up at once on a disconnect while GRE has never come back: no LCP Terminate into the void", () => {
    const sim = new Simulation({ blockGre: true });
    sim.start();
    sim.runUntil(() => sim.events.some((e) => e.type === "call-established"));
    const askedAt = sim.now;
    sim.client.disconnect(sim.now);
    sim.flush();
    sim.runUntil(() => sim.closedEvent() !== undefined);
    expect(sim.closedEvent()?.error).toBeUndefined();
    expect(sim.events.map((e) => e.type)).not.toContain("gre-received");
    // Without the shortcut the session would first wait out lcpTerminateMs (500 ms) for a Terminate-Ack.
    expect(sim.now - askedAt).toBeLessThan(100);
    expect(sim.peer.control.received.map((m) => m.type)).toContain("call-clear-request");
  });
});
