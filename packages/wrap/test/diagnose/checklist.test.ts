import { describe, expect, it } from "vitest";
import { evaluate, settledFindings } from "../../src/diagnose/checklist.js";
import type { Finding, FindingId } from "../../src/diagnose/finding.js";
import type { Observations, RelayGreObservation } from "../../src/diagnose/observations.js";
import { FINE, GRE_SILENT } from "./observation-fixtures.js";

const ORDER: FindingId[] = [
  "tcp-1723",
  "control-connection",
  "gre-return",
  "icmp-unreachable",
  "nat",
  "cgnat",
  "path-mtu",
  "relay",
  "verdict",
];

function byId(findings: readonly Finding[], id: FindingId): Finding {
  const found = findings.find((f) => f.id === id);
  if (found === undefined) throw new Error(`no ${id} finding`);
  return found;
}

function statuses(findings: readonly Finding[]): Record<string, string> {
  return Object.fromEntries(findings.map((f) => [f.id, f.status]));
}

const unrelated = (o: Observations, ...keys: (keyof Observations)[]): Observations => {
  const copy: Record<string, unknown> = { ...o };
  for (const key of keys) delete copy[key];
  return copy as unknown as Observations;
};

describe("evaluate", () => {
  it("everything fine: all ok, verdict direct, MTU 1400 and MSS 1360 recommended", () => {
    const findings = evaluate(FINE);
    expect(findings.map((f) => f.id)).toEqual(ORDER);
    expect(findings.every((f) => f.status === "ok")).toBe(true);
    const verdict = byId(findings, "verdict");
    expect(verdict.title).toBe("Verdict: direct should work");
    expect(verdict.data).toEqual({ verdict: "direct" });
    expect(verdict.fix).toMatch(/WireGuard/);
    const mtu = byId(findings, "path-mtu");
    expect(mtu.data).toEqual({ pathMtu: 1500, maxTunnelMtu: 1456, tunnelMtu: 1400, mss: 1360 });
    expect(mtu.detail).toContain("20 + GRE 16");
    expect(byId(findings, "nat").detail).toMatch(/this NAT handles PPTP/);
    for (const finding of findings) expect(finding.fix === undefined || finding.id === "verdict").toBe(true);
  });

  it("TCP 1723 refused: fail with the allow-1723 fix; the rest of the PPTP chain is skipped", () => {
    const findings = evaluate({
      ...unrelated(FINE, "control", "call", "gre"),
      tcp: { outcome: "refused", elapsedMs: 2, error: "ECONNREFUSED" },
    });
    const tcp = byId(findings, "tcp-1723");
    expect(tcp.status).toBe("fail");
    expect(tcp.detail).toContain("refused TCP port 1723");
    expect(tcp.fix).toMatch(/pptpd/);
    expect(tcp.fix).toMatch(/--dport 1723/);
    expect(byId(findings, "control-connection")).toMatchObject({
      status: "skip",
      detail: expect.stringMatching(/TCP 1723 did not connect/),
    });
    expect(byId(findings, "gre-return").status).toBe("skip");
    expect(byId(findings, "icmp-unreachable").status).toBe("skip");
    expect(byId(findings, "verdict")).toMatchObject({ status: "warn", data: { verdict: "relay" } });
    expect(byId(findings, "verdict").title).toMatch(/use the relay: TCP 1723 is blocked/);
  });

  it("TCP 1723 timing out without a relay: direct cannot work, the fix mentions the relay", () => {
    const findings = evaluate({
      ...unrelated(FINE, "control", "call", "gre"),
      tcp: { outcome: "timeout", elapsedMs: 5000, error: "ETIMEDOUT" },
      relays: [],
    });
    expect(byId(findings, "tcp-1723").detail).toMatch(/drops it silently/);
    expect(byId(findings, "relay")).toMatchObject({ status: "skip", fix: expect.stringMatching(/--relay/) });
    const verdict = byId(findings, "verdict");
    expect(verdict).toMatchObject({ status: "fail", data: { verdict: "none" } });
    expect(verdict.fix).toMatch(/relay/);
  });

  it("an unresolvable name fails first and skips the path MTU", () => {
    const findings = evaluate({
      server: "nope.invalid",
      tcp: { outcome: "unresolved", elapsedMs: 0, error: "ENOTFOUND" },
      network: FINE.network!,
      relays: [],
    });
    expect(byId(findings, "tcp-1723").detail).toMatch(/did not resolve/);
    expect(byId(findings, "path-mtu").status).toBe("skip");
    expect(byId(findings, "verdict").title).toMatch(/does not resolve/);
  });

  it("SCCRQ unanswered: the control connection fails with the DPI/firewall advice", () => {
    const findings = evaluate({
      ...unrelated(FINE, "call", "gre"),
      control: { outcome: "no-reply", waitedMs: 5000 },
    });
    const control = byId(findings, "control-connection");
    expect(control.status).toBe("fail");
    expect(control.detail).toMatch(/did not answer the Start-Control-Connection-Request within 5000 ms/);
    expect(control.fix).toMatch(/inspection/);
    expect(byId(findings, "gre-return").detail).toMatch(/server did not open a control connection/);
  });

  it("a refused control connection or call names the result codes", () => {
    const control = byId(
      evaluate({
        ...unrelated(FINE, "call", "gre"),
        control: { ...FINE.control!, resultCode: 4, errorCode: 0 } as never,
      }),
      "control-connection",
    );
    expect(control).toMatchObject({ status: "fail", data: { resultCode: 4 } });
    const call = byId(
      evaluate({ ...unrelated(FINE, "gre"), call: { ...FINE.call!, resultCode: 3, causeCode: 7 } as never }),
      "control-connection",
    );
    expect(call.detail).toMatch(/refused the call.*result code 3.*cause code 7/);
  });

  it("GRE blocked: gre-return fails with allow protocol 47 + helpers; verdict: use the relay", () => {
    const findings = evaluate(GRE_SILENT);
    const gre = byId(findings, "gre-return");
    expect(gre.status).toBe("fail");
    expect(gre.detail).toMatch(/no GRE packet came back .* 3000 ms/);
    expect(gre.fix).toMatch(/IP protocol 47/);
    expect(gre.fix).toMatch(/nf_conntrack_pptp/);
    expect(gre.fix).toMatch(/PPTP passthrough/);
    expect(byId(findings, "icmp-unreachable").status).toBe("ok");
    expect(byId(findings, "verdict")).toMatchObject({
      status: "warn",
      title: "Verdict: use the relay: GRE is blocked",
    });
  });

  it("GRE blocked and the relay refused: verdict fail, the relay finding carries the relay's wording", () => {
    const findings = evaluate({
      ...GRE_SILENT,
      relays: [
        {
          url: "wss://relay.example.net/ferry",
          ok: false,
          error: {
            code: "RELAY_AUTH_FAILED",
            message: "The relay refused this profile's relay token.",
            hint: "Ask IT for a current relay token or certificate.",
          },
        },
      ],
    });
    expect(byId(findings, "relay")).toMatchObject({
      status: "fail",
      title: "Relay wss://relay.example.net/ferry",
      detail: "The relay refused this profile's relay token.",
      fix: "Ask IT for a current relay token or certificate.",
      data: { code: "RELAY_AUTH_FAILED" },
    });
    expect(byId(findings, "verdict")).toMatchObject({ status: "fail", data: { verdict: "none" } });
  });

  it("one finding per relay, in the order given; a relay without a reason still fails", () => {
    const findings = evaluate({
      ...FINE,
      relays: [
        { url: "wss://a.example/ferry", ok: false },
        { url: "wss://b.example/ferry", ok: true },
      ],
    });
    const relays = findings.filter((f) => f.id === "relay");
    expect(relays.map((f) => [f.title, f.status])).toEqual([
      ["Relay wss://a.example/ferry", "fail"],
      ["Relay wss://b.example/ferry", "ok"],
    ]);
    expect(relays[1]!.detail).toMatch(/did not say which address/);
  });

  it("ICMP protocol-unreachable: fail naming protocol 47", () => {
    const findings = evaluate({
      ...FINE,
      gre: {
        outcome: "listened",
        waitedMs: 3000,
        received: 0,
        sent: 1,
        socketErrors: 1,
        lastError: "ENOPROTOOPT",
      },
    });
    const icmp = byId(findings, "icmp-unreachable");
    expect(icmp.status).toBe("fail");
    expect(icmp.detail).toMatch(/protocol-unreachable/);
    expect(icmp.fix).toMatch(/-p gre/);
    expect(byId(findings, "verdict").title).toMatch(/GRE is blocked/);
  });

  it("an administratively filtered unreachable and a local refusal read differently", () => {
    const filtered = evaluate({
      ...GRE_SILENT,
      gre: { ...GRE_SILENT.gre!, socketErrors: 2, lastError: "EHOSTUNREACH" } as never,
    });
    expect(byId(filtered, "icmp-unreachable").detail).toMatch(/router or firewall on the path/);
    const local = evaluate({
      ...GRE_SILENT,
      gre: { ...GRE_SILENT.gre!, socketErrors: 1, lastError: "EPERM" } as never,
    });
    expect(byId(local, "icmp-unreachable").fix).toMatch(/OUTPUT -p gre/);
    const odd = evaluate({ ...FINE, gre: { ...FINE.gre!, socketErrors: 1, lastError: "ENOBUFS" } as never });
    expect(byId(odd, "icmp-unreachable").status).toBe("warn");
  });

  it("NAT without a PPTP helper: NAT seen and GRE silent -> warn with passthrough/helper fix", () => {
    const nat = byId(evaluate(GRE_SILENT), "nat");
    expect(nat.status).toBe("warn");
    expect(nat.detail).toMatch(/192\.168\.1\.20.*198\.51\.100\.7.*NAT translates/);
    expect(nat.detail).toMatch(/no ports/);
    expect(nat.fix).toMatch(/nf_nat_pptp/);
  });

  it("NAT is inferred from a private address when nothing reports the public one, and absent on a public one", () => {
    const inferred = byId(
      evaluate({ ...FINE, network: { localAddresses: ["10.1.2.3"] }, relays: [] }),
      "nat",
    );
    expect(inferred.detail).toMatch(/10\.1\.2\.3 is private/);
    const none = byId(
      evaluate({
        ...FINE,
        network: { localAddresses: ["198.51.100.7"] },
        relays: [{ url: "wss://r/", ok: true, observedAddress: "198.51.100.7" }],
      }),
      "nat",
    );
    expect(none).toMatchObject({ status: "ok", detail: expect.stringMatching(/no NAT on the way/) });
  });

  it("CGNAT: router external address in 100.64.0.0/10 and GRE silent -> fail: ask the ISP or use the relay", () => {
    const findings = evaluate({
      ...GRE_SILENT,
      network: {
        localAddresses: ["192.168.1.20"],
        gateway: "192.168.1.1",
        routerExternalAddress: "100.72.9.1",
      },
      relays: [{ url: "wss://relay.example.net/ferry", ok: true, observedAddress: "198.51.100.99" }],
    });
    const cgnat = byId(findings, "cgnat");
    expect(cgnat.status).toBe("fail");
    expect(cgnat.detail).toMatch(/100\.72\.9\.1/);
    expect(cgnat.fix).toMatch(/public IPv4 address/);
    expect(cgnat.fix).toMatch(/relay/);
    expect(byId(findings, "verdict").title).toBe("Verdict: use the relay: carrier-grade NAT");
  });

  it("CGNAT inferred from a relay view that differs from the router's, with GRE still coming back: warn", () => {
    const cgnat = byId(
      evaluate({ ...FINE, relays: [{ url: "wss://r/", ok: true, observedAddress: "203.0.113.200" }] }),
      "cgnat",
    );
    expect(cgnat.status).toBe("warn");
    expect(cgnat.detail).toMatch(/another NAT/);
  });

  it("MTU too small: a 1400-byte path gives tunnel MTU 1356 and MSS 1316 with the clamping fix", () => {
    const findings = evaluate({ ...FINE, pathMtu: { outcome: "measured", pathMtu: 1400, probes: 9 } });
    const mtu = byId(findings, "path-mtu");
    expect(mtu.status).toBe("warn");
    expect(mtu.data).toMatchObject({ tunnelMtu: 1356, mss: 1316 });
    expect(mtu.detail).toMatch(/1400 - 44 = 1356/);
    expect(mtu.detail).toMatch(/black hole/);
    expect(mtu.fix).toMatch(/clamp-mss-to-pmtu/);
    expect(mtu.fix).toMatch(/mtu 1356/);
    expect(byId(findings, "verdict").fix).toMatch(/tunnel MTU of 1356 and TCP MSS of 1316/);
    const reported = byId(
      evaluate({ ...FINE, pathMtu: { outcome: "measured", pathMtu: 1492, reportedMtu: 1492, probes: 9 } }),
      "path-mtu",
    );
    expect(reported.detail).toMatch(/reported an MTU of 1492/);
    expect(reported.detail).not.toMatch(/black hole/);
  });

  it("ping blocked or missing: path MTU skipped, with the 1400/1360 fallback advice", () => {
    const blocked = byId(evaluate({ ...FINE, pathMtu: { outcome: "no-answer" } }), "path-mtu");
    expect(blocked).toMatchObject({ status: "skip", fix: expect.stringMatching(/1400.*1360/) });
    const missing = byId(evaluate({ ...FINE, pathMtu: { outcome: "failed", error: "ENOENT" } }), "path-mtu");
    expect(missing.detail).toMatch(/ENOENT/);
  });

  it("without root the GRE checks skip and the verdict says GRE was not tested", () => {
    const findings = evaluate({
      ...FINE,
      gre: { outcome: "unavailable", needsRoot: true, error: "Opening a raw GRE socket failed" },
    });
    expect(byId(findings, "gre-return")).toMatchObject({
      status: "skip",
      fix: expect.stringMatching(/root/),
    });
    expect(byId(findings, "icmp-unreachable").status).toBe("skip");
    expect(byId(findings, "nat").detail).toMatch(/was not tested/);
    expect(byId(findings, "verdict")).toMatchObject({ status: "warn", data: { verdict: "untested" } });
  });

  it("reports checks whose observations never came as not measured", () => {
    const findings = evaluate({ server: "s", address: "203.0.113.10" });
    expect(findings.map((f) => f.id)).toEqual(ORDER);
    expect(statuses(findings)).toMatchObject({ "tcp-1723": "skip", nat: "skip", relay: "skip" });
    expect(byId(findings, "tcp-1723").detail).toMatch(/Not measured/);
  });
});

describe("the GRE probe to a relay", () => {
  const RELAY_URL = "wss://relay.example.net/ferry";
  const withProbe = (o: Observations, gre: RelayGreObservation): Observations => ({
    ...o,
    relays: [{ url: RELAY_URL, ok: true, observedAddress: "198.51.100.7", relayAddress: "192.0.2.80", gre }],
  });
  const ANSWERED: RelayGreObservation = { outcome: "answered", roundTripMs: 23, sent: 1 };
  const SILENT: RelayGreObservation = { outcome: "no-answer", waitedMs: 1500, sent: 3 };

  it("comes right after its relay's finding", () => {
    const findings = evaluate(withProbe(FINE, ANSWERED));
    expect(findings.map((f) => f.id)).toEqual([...ORDER.slice(0, -1), "relay-gre", "verdict"]);
  });

  it("GRE reaches the relay and comes back: ok, this network passes GRE", () => {
    const gre = byId(evaluate(withProbe(FINE, ANSWERED)), "relay-gre");
    expect(gre).toMatchObject({
      status: "ok",
      title: "GRE to the relay (192.0.2.80)",
      data: { relayAddress: "192.0.2.80", roundTripMs: 23, sent: 1 },
    });
    expect(gre.detail).toMatch(/^GRE reaches the relay and comes back: .* in 23 ms/);
    expect(gre.fix).toBeUndefined();
  });

  it("the relay answers while the server's GRE does not come back: the server's side drops GRE", () => {
    const findings = evaluate(withProbe(GRE_SILENT, ANSWERED));
    const gre = byId(findings, "relay-gre");
    expect(gre.status).toBe("ok");
    expect(gre.detail).toMatch(/lost on the server's side of the path: its firewall/);
    expect(gre.fix).toMatch(/iptables -A INPUT -p gre/);
    expect(byId(findings, "verdict").title).toBe("Verdict: use the relay: GRE is blocked");
  });

  it("GRE to the relay gets no answer and the server's GRE does not come back: this network blocks GRE", () => {
    const gre = byId(evaluate(withProbe(GRE_SILENT, SILENT)), "relay-gre");
    expect(gre).toMatchObject({
      status: "fail",
      data: { relayAddress: "192.0.2.80", waitedMs: 1500, sent: 3 },
    });
    expect(gre.detail).toMatch(
      /^GRE to the relay gets no answer: 3 GRE probes to 192.0.2.80 went unanswered/,
    );
    expect(gre.detail).toMatch(/this network blocks GRE \(IP protocol 47\)/);
    expect(gre.fix).toMatch(/PPTP passthrough/);
  });

  it("no answer while the PPTP call could not be tested: most likely this network blocks GRE", () => {
    const gre = byId(
      evaluate(
        withProbe(
          {
            ...unrelated(FINE, "control", "call", "gre"),
            tcp: { outcome: "timeout", elapsedMs: 5000, error: "ETIMEDOUT" },
          },
          SILENT,
        ),
      ),
      "relay-gre",
    );
    expect(gre.status).toBe("fail");
    expect(gre.detail).toMatch(/Most likely this network blocks GRE/);
  });

  it("no answer although the server's GRE comes back: the relay's network drops it, a warning", () => {
    const gre = byId(evaluate(withProbe(FINE, SILENT)), "relay-gre");
    expect(gre.status).toBe("warn");
    expect(gre.detail).toMatch(/the relay's network that drops GRE/);
    expect(gre.fix).toMatch(/relay's administrator/);
  });

  it("probes this computer refused to send: its own firewall", () => {
    const gre = byId(evaluate(withProbe(GRE_SILENT, { ...SILENT, sent: 0 })), "relay-gre");
    expect(gre).toMatchObject({ status: "fail", fix: expect.stringMatching(/OUTPUT -p gre/) });
  });

  it("without root: skip, run as root", () => {
    const gre = byId(
      evaluate(withProbe(FINE, { outcome: "unavailable", needsRoot: true, error: "EPERM" })),
      "relay-gre",
    );
    expect(gre).toMatchObject({ status: "skip", fix: expect.stringMatching(/root/) });
  });

  it("waits for the direct GRE test before deciding, and then agrees with evaluate", () => {
    const early = withProbe(unrelated(GRE_SILENT, "gre"), ANSWERED);
    expect(settledFindings(early).map((f) => f.id)).not.toContain("relay-gre");
    const done = withProbe(GRE_SILENT, ANSWERED);
    expect(settledFindings(done)).toEqual(evaluate(done));
  });
});

describe("settledFindings", () => {
  it("is the prefix the observations so far can decide, and agrees with evaluate", () => {
    const steps: Observations[] = [
      { server: FINE.server, address: FINE.address! },
      { server: FINE.server, address: FINE.address!, tcp: FINE.tcp! },
      {
        server: FINE.server,
        address: FINE.address!,
        tcp: FINE.tcp!,
        control: FINE.control!,
        call: FINE.call!,
      },
      unrelated(FINE, "relays"),
      FINE,
    ];
    const lengths = steps.map((o) => settledFindings(o).length);
    expect(lengths).toEqual([0, 1, 2, 4, ORDER.length]);
    const final = evaluate(FINE);
    for (const step of steps)
      expect(final.slice(0, settledFindings(step).length)).toEqual(settledFindings(step));
  });

  it("decides the GRE checks without waiting for GRE when the call failed", () => {
    const settled = settledFindings({
      server: "s",
      tcp: FINE.tcp!,
      control: { outcome: "closed", error: "ECONNRESET" },
    });
    expect(settled.map((f) => f.status)).toEqual(["ok", "fail", "skip", "skip"]);
    expect(settled[1]!.detail).toMatch(/closed the connection.*ECONNRESET/);
  });
});
