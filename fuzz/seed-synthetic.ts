/**
 * Seeds that no capture holds: whole sessions recorded from the in-process test server (one per server flavour,
 * replayed as the server's side of a pptp-session script, so the fuzzer starts from a session that reaches
 * `connected`), scripts for the stateful targets, relay messages, the example profiles and API request lines.
 *
 *   npx tsx fuzz/seed-synthetic.ts [--out fuzz/corpus]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { emitWrapFrame } from "../packages/wrap/dist/wire/frame.js";
import type { RelayMessage } from "../packages/wrap/dist/wire/relay-messages.js";
import { SeedWriter } from "./seed-from-pcap.js";
import {
  encodeTranscript,
  prepare,
  Op as SessionOp,
  dictionary as sessionOps,
} from "./targets/pptp-session.js";
import { Op as WrapOp } from "./targets/wrap-client-session.js";

const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const root = outIndex >= 0 ? args[outIndex + 1]! : fileURLToPath(new URL("./corpus", import.meta.url));
const out = new SeedWriter(root);
const bytes = (...parts: (number | readonly number[] | Uint8Array)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "number" ? [p] : [...p])));
const u16 = (n: number) => [n >> 8, n & 0xff];
const text = (s: string) => new TextEncoder().encode(s);

// pptp-session: the server's side of a whole bring-up, per flavour, as a stage-0 script.
for (const flavour of [0x00, 0x04, 0x08, 0x0c, 0x10]) {
  const h = prepare(flavour | 2);
  out.write("pptp-session", encodeTranscript(flavour, h.delivered), "sim");
}
// pptp-session, stage 2 (connected): an IP packet from the server, an LCP Echo-Request, a CCP Reset-Request,
// an IPCP Configure-Request, an LCP Terminate-Request, and a client packet to send.
const ip = bytes(
  0x45,
  0,
  ...u16(28),
  0,
  0,
  0,
  0,
  64,
  17,
  0,
  0,
  10,
  0,
  0,
  1,
  10,
  0,
  0,
  2,
  0,
  53,
  0,
  53,
  0,
  8,
  0,
  0,
);
out.write("pptp-session", bytes(2, SessionOp.ipFromServer, ...u16(ip.length), ip, SessionOp.wait, 10), "sim");
out.write(
  "pptp-session",
  bytes(2, SessionOp.pppFromServer, 0xc0, 0x21, ...u16(8), 9, 1, 0, 8, 1, 2, 3, 4, SessionOp.wait, 5),
  "sim",
);
out.write(
  "pptp-session",
  bytes(6, SessionOp.pppFromServer, 0x80, 0xfd, ...u16(4), 14, 1, 0, 4, SessionOp.wait, 5),
  "sim",
);
out.write(
  "pptp-session",
  bytes(
    2,
    SessionOp.pppFromServer,
    0x80,
    0x21,
    ...u16(10),
    1,
    7,
    0,
    10,
    3,
    6,
    10,
    0,
    0,
    9,
    SessionOp.wait,
    30,
  ),
  "sim",
);
out.write(
  "pptp-session",
  bytes(2, SessionOp.pppFromServer, 0xc0, 0x21, ...u16(4), 5, 9, 0, 4, SessionOp.wait, 30),
  "sim",
);
out.write(
  "pptp-session",
  bytes(2, SessionOp.tunFromClient, ...u16(ip.length), ip, SessionOp.wait, 10, SessionOp.disconnect),
  "sim",
);

// pptp-session, stage 1 (the server runs): a hostile answer to each request the client makes while negotiating,
// sent the moment the request leaves (so it arrives before the server's own answer).
const waitsTo = (t: number): number[] => {
  const out: number[] = [];
  for (let left = t; left > 0; ) {
    const b = Math.min(255, Math.floor(Math.sqrt(left)));
    out.push(SessionOp.wait, b);
    left -= b * b;
  }
  return out;
};
for (const flavour of [0x01, 0x05, 0x09, 0x0d]) {
  const h = prepare(flavour);
  h.run(60_000, () => h.connected || h.closed);
  for (const op of sessionOps.filter((t) => t[0] === SessionOp.answer)) {
    const protocol = [0xc021, 0x80fd, 0x8021, 0xc223, 0xc023, 0x8057][op[1]!]!;
    for (const t of (h.requestTimes.get(protocol) ?? []).slice(0, 2)) {
      out.write("pptp-session", bytes(flavour, ...waitsTo(t), op, SessionOp.wait, 200), "sim");
    }
  }
}

// mppe-decrypter: stateless and stateful, with a loss, a reset and a replay.
for (const config of [0x06, 0x02, 0x04, 0x01]) {
  out.write(
    "mppe-decrypter",
    bytes(config, 0, 4, 1, 2, 3, 4, 0, 2, 5, 6, 1, 3, 7, 8, 9, 0, 1, 10, 3, 0, 2, 11, 12, 4),
    "sim",
  );
}

// gre-link: in order, reordered, a gap that times out, a jump past the window, a wrap of the sequence space.
out.write(
  "gre-link",
  bytes(0x07, 0xff, 0xff, 0, 0, 0, 1, 0, 3, 0, 2, 3, 100, 0, 10, 2, 0x90, 0, 0x7f),
  "sim",
);
out.write("gre-link", bytes(0x03, 0, 0, 0, 0, 1, 2, 0, 1, 8, 0, 0, 3, 80, 0, 3), "sim");
out.write("gre-link", bytes(0x00, 0x12, 0x34, 0, 0, 0, 5, 0, 3, 4, 0x10, 0, 1, 5, 3, 1, 2, 3), "sim");

// wrap-frame and wrap-client-session: every relay message.
const messages: RelayMessage[] = [
  { type: "hello", server: "vpn.example.com", token: "s3cr3t-t0ken" },
  {
    type: "welcome",
    observedAddress: "198.51.100.23",
    relayAddress: "203.0.113.1",
    sessionId: "0123456789abcdef",
  },
  { type: "welcome", observedAddress: "2001:db8::1", relayAddress: "", sessionId: "0123456789abcdef" },
  { type: "error", code: "RELAY_TARGET_FORBIDDEN", message: "not on the allowlist" },
  { type: "goaway", reconnectAfterMs: 5000 },
  { type: "probe", id: 7, sentAt: 123456 },
  { type: "probe-reply", id: 1, sentAt: 0 },
];
for (const message of messages) {
  const frame = emitWrapFrame({ channel: "relay", message });
  out.write("wrap-frame", frame, "sim");
  out.write(
    "wrap-client-session",
    bytes(0, WrapOp.welcome, 0, WrapOp.frame, ...u16(frame.length), frame),
    "sim",
  );
}
out.write(
  "wrap-client-session",
  bytes(
    0,
    WrapOp.welcome,
    0,
    WrapOp.wait,
    40,
    WrapOp.wait,
    40,
    WrapOp.sendControl,
    0,
    3,
    1,
    2,
    3,
    WrapOp.sendGre,
    0,
    2,
    9,
    9,
    WrapOp.closed,
    ...u16(4003),
    0,
  ),
  "sim",
);
out.write("wrap-client-session", bytes(0, WrapOp.closed, ...u16(1000), 4, ...text("done")), "sim");

// profile-file: the shipped examples.
const examples = fileURLToPath(new URL("../resources/profile/examples/", import.meta.url));
for (const name of readdirSync(examples))
  out.write("profile-file", new Uint8Array(readFileSync(join(examples, name))), "example");

// service-request: one line per method, fed in small chunks.
const lines = [
  { id: 1, method: "hello", version: 1 },
  { id: 2, method: "connect", profileId: "work", secrets: { password: "pw", relayToken: "tok" } },
  { id: 3, method: "status" },
  { id: 4, method: "list-profiles" },
  { id: 5, method: "disconnect" },
  { id: 6, method: "diagnose", profileId: "work" },
  { id: 7, method: "subscribe" },
];
for (const line of lines) out.write("service-request", bytes(7, text(`${JSON.stringify(line)}\n`)), "sim");
out.write(
  "service-request",
  bytes(63, text('{"id":1,"result":{"state":"disconnected"}}\n{"event":"state","state":"connecting"}\n')),
  "sim",
);

process.stderr.write(`${out.written} seed files under ${root}\n`);
