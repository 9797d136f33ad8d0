/**
 * Every hex example in PROTOCOL.md, checked byte for byte against values written by hand from the spec's layout
 * tables: the document and the codec cannot drift apart.
 */
import { readFileSync } from "node:fs";
import { parseGreHeader } from "@ferry/pptp-client/wire";
import { describe, expect, it } from "vitest";
import { emitWrapFrame, parseWrapFrame, type WrapFrame } from "../../src/wire/frame.js";
import { parseRelayMessage } from "../../src/wire/relay-messages.js";
import { ascii, hex } from "./hex.js";

const protocolText = readFileSync(new URL("../../PROTOCOL.md", import.meta.url), "utf8");

/** The examples: an `<!-- example: name -->` comment, then the first ```hex block after it. */
function examples(): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  for (const match of protocolText.matchAll(/<!-- example: ([\w-]+) -->[\s\S]*?```hex\n([\s\S]*?)```/g))
    found.set(match[1]!, hex(match[2]!));
  return found;
}

const frameExamples: Record<string, WrapFrame> = {
  "control-frame": { channel: "control", bytes: hex("00 9C 00 01 1A 2B 3C 4D") },
  "gre-frame": { channel: "gre", packet: hex("20 81 88 0B 00 00 00 2A 00 00 00 05") },
  "unknown-channel": { channel: "unknown", tag: 9, payload: hex("01 02") },
  hello: { channel: "relay", message: { type: "hello", server: "vpn.example.com", token: "s3cr3t" } },
  welcome: {
    channel: "relay",
    message: {
      type: "welcome",
      observedAddress: "203.0.113.7",
      relayAddress: "198.51.100.2",
      sessionId: "0123456789abcdef",
    },
  },
  "welcome-ipv6": {
    channel: "relay",
    message: {
      type: "welcome",
      observedAddress: "2001:db8::7",
      relayAddress: "",
      sessionId: "fedcba9876543210",
    },
  },
  error: {
    channel: "relay",
    message: { type: "error", code: "RELAY_TARGET_FORBIDDEN", message: "server not allowed" },
  },
  goaway: { channel: "relay", message: { type: "goaway", reconnectAfterMs: 30_000 } },
  probe: { channel: "relay", message: { type: "probe", id: 1, sentAt: 123_456_789 } },
  "probe-reply": { channel: "relay", message: { type: "probe-reply", id: 1, sentAt: 123_456_789 } },
  "unknown-message": { channel: "relay", message: { type: "unknown", code: 0x7f, body: hex("AA BB") } },
};

describe("PROTOCOL.md examples", () => {
  const documented = examples();

  it("has every example this test expects, and no other", () => {
    expect([...documented.keys()].sort()).toEqual([...Object.keys(frameExamples), "gre-probe"].sort());
  });

  for (const [name, frame] of Object.entries(frameExamples)) {
    it(`${name}: parses to the value and emits the same bytes`, () => {
      const bytes = documented.get(name)!;
      expect(parseWrapFrame(bytes)).toEqual({ ok: true, value: frame });
      expect(emitWrapFrame(frame)).toEqual(bytes);
    });
  }

  it("spells the hello's text fields in ASCII", () => {
    const bytes = documented.get("hello")!;
    expect(bytes.subarray(3, 18)).toEqual(ascii("vpn.example.com"));
    expect(bytes.subarray(20)).toEqual(ascii("s3cr3t"));
  });

  it("gre-probe is a PPTP GRE packet to Call ID 0 whose payload is the probe message", () => {
    const packet = documented.get("gre-probe")!;
    const header = parseGreHeader(packet);
    expect(header).toEqual({ ok: true, value: { callId: 0, payloadLength: 9, seq: 1, headerLength: 12 } });
    expect(parseRelayMessage(packet.subarray(12))).toEqual({
      ok: true,
      value: { type: "probe", id: 1, sentAt: 123_456_789 },
    });
  });
});
