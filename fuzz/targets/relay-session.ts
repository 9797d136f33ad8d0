/**
 * ferry-relay's per-client machine (RelaySession) with the relay's real token check, allowlist and Call ID
 * allocator, on a fake clock. The input is a configuration byte (bit 0: the client has a TLS client certificate)
 * and then a script: frames from the client (raw, control bytes, GRE, hello), the I/O layer's answers (resolved,
 * connected, failed, ended), control bytes and GRE from the PPTP server, Pongs, time, goaway, shedding.
 *
 * Oracles: nothing throws; what one step sends stays bounded; a session that ended gives every Call ID back (else a
 * long-running relay would run out of them, or of memory).
 */
import { Allowlist } from "../../packages/wrap/dist/relay/allowlist.js";
import { ServerCallIds } from "../../packages/wrap/dist/relay/call-id-allocator.js";
import type { PptpTranslator } from "../../packages/wrap/dist/relay/pptp-translator.js";
import { RelaySession } from "../../packages/wrap/dist/relay/relay-session.js";
import { TokenSet } from "../../packages/wrap/dist/relay/relay-tokens.js";
import { emitControlFrames, emitWrapFrame } from "../../packages/wrap/dist/wire/frame.js";
import { check, InputReader, waitOp } from "../lib/target.js";

export const maxLen = 8192;
export const packages = ["wrap"];

export const SERVER = "203.0.113.7";
export const TOKEN = "s3cr3t-t0ken";
const SERVERS = [SERVER, "vpn.example.com", "198.51.100.9", "localhost"];
const TOKENS = [TOKEN, "", "wrong-token", "another-token"];
const ADDRESSES = [SERVER, undefined, "127.0.0.1", "10.0.0.1", "0.0.0.0"];
const OBSERVED = ["198.51.100.23", "", "not an address", "2001:db8::1"];
const MAX_OUTPUT_BYTES = 1024 * 1024;

const tokens = TokenSet.of([TOKEN, "another-token"]);
const allowlist = Allowlist.parse([SERVER, "vpn.example.com"]);
if (!tokens.ok || !allowlist.ok) throw new Error("relay fixtures do not parse");
const tokenSet = tokens.value;
const targets = allowlist.value;

export const Op = {
  frame: 0,
  control: 1,
  gre: 2,
  hello: 3,
  resolved: 4,
  connected: 5,
  serverBytes: 6,
  serverGre: 7,
  wait: 8,
  pong: 9,
  goaway: 10,
  serverEnded: 11,
  serverFailed: 12,
  clientClosed: 13,
  text: 14,
  shed: 15,
} as const;
const OP_COUNT = 16;

export function fuzz(data: Uint8Array): void {
  const input = new InputReader(data);
  const config = input.u8();
  const callIds = new ServerCallIds<PptpTranslator>();
  let now = 0;
  const session = new RelaySession(
    {
      sessionId: "0123456789abcdef",
      clientCertOk: (config & 1) !== 0,
      authorize: (token, certOk) => tokenSet.authorize(token, certOk),
      targets,
      callIds,
    },
    now,
  );
  let output = 0;
  const drain = () => {
    for (let a = session.poll(); a !== undefined; a = session.poll()) {
      if (a.type === "send-client") output += a.frame.length;
      else if (a.type === "send-server") output += a.bytes.length;
      else if (a.type === "send-gre") output += a.packet.length;
    }
    check(output <= MAX_OUTPUT_BYTES, `the relay sent ${output} bytes`);
  };
  for (let ops = 0; input.remaining > 0 && ops < 2000; ops++) {
    switch (input.u8() % OP_COUNT) {
      case Op.frame:
        session.handleClientMessage(input.chunk16(5000), now);
        break;
      case Op.control:
        for (const frame of emitControlFrames(input.chunk16(8192))) session.handleClientMessage(frame, now);
        break;
      case Op.gre: {
        const packet = input.chunk16(1600);
        if (packet.length > 0) session.handleClientMessage(emitWrapFrame({ channel: "gre", packet }), now);
        break;
      }
      case Op.hello: {
        const pick = input.u8();
        const hello = { type: "hello" as const, server: SERVERS[pick & 3]!, token: TOKENS[(pick >> 2) & 3]! };
        session.handleClientMessage(emitWrapFrame({ channel: "relay", message: hello }), now);
        break;
      }
      case Op.resolved:
        session.resolved(now, ADDRESSES[input.u8() % ADDRESSES.length]);
        break;
      case Op.connected: {
        const pick = input.u8();
        session.serverConnected(now, OBSERVED[pick & 3]!, OBSERVED[(pick >> 2) & 3]!);
        break;
      }
      case Op.serverBytes:
        session.handleServerBytes(input.chunk(), now);
        break;
      case Op.serverGre: {
        const unsent = input.u8() === 0xff ? 1 << 20 : 0;
        session.handleServerGre(input.chunk16(2000), now, unsent);
        break;
      }
      case Op.wait:
        now = waitOp(input, now, session);
        break;
      case Op.pong:
        session.handlePong(now);
        break;
      case Op.goaway:
        session.goaway(now, input.u16() * 16, input.u16());
        break;
      case Op.serverEnded:
        session.serverEnded(now);
        break;
      case Op.serverFailed:
        session.serverFailed(now, "connection refused");
        break;
      case Op.clientClosed:
        session.clientClosed(now);
        break;
      case Op.text:
        session.handleClientMessage(input.chunk(), now, false);
        break;
      case Op.shed:
        session.shed(now);
        break;
    }
    drain();
  }
  session.clientClosed(now);
  drain();
  check(session.closed, "the session is not closed after the client went away");
  check(session.nextTimeout() === undefined, "a closed session still wants a timeout");
  for (const address of ADDRESSES) {
    if (address === undefined) continue;
    const inUse = callIds.forServer(address).inUse;
    check(inUse === 0, `${inUse} relay Call ID(s) towards ${address} still held after the session ended`);
  }
}

/** Script bytes: hello, resolution and connect, then the given client and server control chunks (for seeds). */
export function encodeRelayScript(
  steps: readonly { from: "client" | "server"; bytes: Uint8Array }[],
  gre: readonly { from: "client" | "server"; bytes: Uint8Array }[] = [],
): Uint8Array {
  const out: number[] = [0, Op.hello, 0, Op.resolved, 0, Op.connected, 0];
  for (const step of steps) {
    if (step.from === "client")
      out.push(Op.control, step.bytes.length >> 8, step.bytes.length & 0xff, ...step.bytes);
    else
      for (let off = 0; off < step.bytes.length; off += 255) {
        const part = step.bytes.subarray(off, off + 255);
        out.push(Op.serverBytes, part.length, ...part);
      }
  }
  for (const g of gre) {
    if (g.from === "client") out.push(Op.gre, g.bytes.length >> 8, g.bytes.length & 0xff, ...g.bytes);
    else out.push(Op.serverGre, 0, g.bytes.length >> 8, g.bytes.length & 0xff, ...g.bytes);
  }
  return Uint8Array.from(out);
}
