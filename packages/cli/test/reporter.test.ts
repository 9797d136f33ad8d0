import { codedError, ferryError } from "@ferry/pptp-client";
import { describe, expect, it } from "vitest";
import { humanReporter, jsonReporter } from "../src/reporter.js";

const CONNECTED = {
  type: "connected",
  localAddress: "10.200.0.100",
  peerAddress: "10.200.0.1",
  dns: ["10.200.0.53"],
  mtu: 1396,
  mppe: { strength: 128, stateless: true },
  authMethod: "mschapv2",
  transport: "direct",
} as const;

const WRAPPED = { ...CONNECTED, transport: "wrap", fallbackReason: "gre-timeout" } as const;

const STATS = {
  bytesIn: 12_582_912,
  bytesOut: 1_258_291,
  packetsIn: 9000,
  packetsOut: 4000,
  lost: 3,
  reordered: 1,
  duplicates: 2,
  dropped: 7,
  txDropped: 0,
  lastRttMs: 4.5,
};

describe("ferry connect output", () => {
  it("--json: one object per line, with the fields scripts rely on", () => {
    const lines: string[] = [];
    const reporter = jsonReporter(
      (line) => lines.push(line),
      () => "ferry0",
    );
    reporter.event({ type: "tcp-connected", server: "198.51.100.10" });
    reporter.event(CONNECTED);
    reporter.event(WRAPPED);
    reporter.event({
      type: "reconnecting",
      afterMs: 2000,
      attempt: 2,
      error: codedError("RELAY_CONNECTION_LOST", "The connection to the relay broke.", "Wait."),
    });
    reporter.error(
      ferryError("AUTH_FAILED", "The server rejected the user name or password.", "Check them.", {
        errorCode: 691,
      }),
    );
    reporter.stats(STATS);
    reporter.disconnected("error");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { event: "tcp-connected", server: "198.51.100.10" },
      {
        event: "connected",
        transport: "direct",
        interface: "ferry0",
        localAddress: "10.200.0.100",
        peerAddress: "10.200.0.1",
        dns: ["10.200.0.53"],
        mtu: 1396,
        mppe: "128-stateless",
        auth: "mschapv2",
      },
      {
        event: "connected",
        transport: "wrap",
        fallbackReason: "gre-timeout",
        interface: "ferry0",
        localAddress: "10.200.0.100",
        peerAddress: "10.200.0.1",
        dns: ["10.200.0.53"],
        mtu: 1396,
        mppe: "128-stateless",
        auth: "mschapv2",
      },
      {
        event: "reconnecting",
        afterMs: 2000,
        attempt: 2,
        code: "RELAY_CONNECTION_LOST",
        message: "The connection to the relay broke.",
      },
      {
        event: "error",
        code: "AUTH_FAILED",
        message: "The server rejected the user name or password.",
        hint: "Check them.",
        errorCode: 691,
      },
      { event: "stats", ...STATS },
      { event: "disconnected", reason: "error" },
    ]);
  });

  it("sentences: what happened, and for an error the code, the sentence and what to try", () => {
    const lines: string[] = [];
    const reporter = humanReporter((line) => lines.push(line));
    reporter.event({ type: "encryption", mppe: { strength: 40, stateless: false } });
    reporter.event({
      type: "transport-decided",
      transport: "wrap",
      fallbackReason: "gre-timeout",
      why: "No GRE came back within 3000 ms.",
    });
    reporter.event(CONNECTED);
    reporter.event(WRAPPED);
    reporter.error(ferryError("GRE_TIMEOUT", "No GRE came back.", "Enable PPTP passthrough."));
    reporter.stats(STATS);
    reporter.disconnected("user");
    expect(lines).toEqual([
      "Encryption: MPPE 40-bit stateful",
      "Switching to the relay: No GRE came back within 3000 ms.",
      "Connected directly: 10.200.0.100 -> 10.200.0.1, MTU 1396, DNS 10.200.0.53, encryption 128-stateless. Press Ctrl-C to disconnect.",
      "Connected via relay: 10.200.0.100 -> 10.200.0.1, MTU 1396, DNS 10.200.0.53, encryption 128-stateless. Press Ctrl-C to disconnect.",
      "Error [GRE_TIMEOUT]: No GRE came back.",
      "  Try: Enable PPTP passthrough.",
      "This session: 12.0 MB received, 1.2 MB sent; 3 packets lost on the way, 2 duplicates and 7 malformed, forged or undecryptable packets dropped.",
      "Disconnected.",
    ]);
  });
});
