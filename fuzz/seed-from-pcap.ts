/**
 * Seeds the fuzz corpus with real bytes from a capture of the lab (lab/test/wire.test.ts captures a whole session
 * against Debian's pptpd with tshark, as pcapng): PPTP control messages and streams, GRE packets, PPP frames,
 * CHAP/PAP packets, the server's side of the session as a pptp-session script, both sides as a relay-session
 * script, and both as wrap frames.
 *
 *   npx tsx fuzz/seed-from-pcap.ts CAPTURE.pcap[ng]… [--out fuzz/corpus]
 *
 * Reads classic pcap and pcapng (Ethernet, Linux cooked v1/v2, raw IP, BSD loopback) itself: no tshark needed.
 * Then shrink with `npx tsx fuzz/run.ts --minimize`: only inputs that add coverage stay.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeTranscript, Harness } from "./targets/pptp-session.js";
import { encodeRelayScript } from "./targets/relay-session.js";

interface Frame {
  readonly time: number;
  readonly linkType: number;
  readonly data: Uint8Array;
}

export function readCapture(file: Uint8Array): Frame[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, false);
  return magic === 0x0a0d0d0a ? readPcapng(file, view) : readPcap(file, view, magic);
}

function readPcap(file: Uint8Array, view: DataView, magic: number): Frame[] {
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error("not a pcap or pcapng file");
  const nano = magic === 0x4d3cb2a1 || magic === 0xa1b23c4d;
  const linkType = view.getUint32(20, le) & 0xffff;
  const frames: Frame[] = [];
  for (let off = 24; off + 16 <= file.length; ) {
    const seconds = view.getUint32(off, le);
    const fraction = view.getUint32(off + 4, le);
    const length = view.getUint32(off + 8, le);
    frames.push({
      time: seconds * 1000 + fraction / (nano ? 1e6 : 1e3),
      linkType,
      data: file.subarray(off + 16, off + 16 + length),
    });
    off += 16 + length;
  }
  return frames;
}

function readPcapng(file: Uint8Array, view: DataView): Frame[] {
  let le = true;
  const interfaces: { linkType: number; unitsPerMs: number }[] = [];
  const frames: Frame[] = [];
  for (let off = 0; off + 12 <= file.length; ) {
    if (view.getUint32(off, false) === 0x0a0d0d0a) {
      le = view.getUint32(off + 8, true) === 0x1a2b3c4d;
      interfaces.length = 0;
    }
    const type = view.getUint32(off, le);
    const length = view.getUint32(off + 4, le);
    if (length < 12 || off + length > file.length) break;
    const body = off + 8;
    if (type === 1) {
      let unitsPerMs = 1000; // microseconds, unless if_tsresol says otherwise
      for (let o = body + 8; o + 4 <= off + length - 4; ) {
        const code = view.getUint16(o, le);
        const size = view.getUint16(o + 2, le);
        if (code === 0) break;
        if (code === 9 && size >= 1) {
          const r = file[o + 4]!;
          unitsPerMs = (r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r) / 1000;
        }
        o += 4 + ((size + 3) & ~3);
      }
      interfaces.push({ linkType: view.getUint16(body, le), unitsPerMs });
    } else if (type === 6) {
      const iface = interfaces[view.getUint32(body, le)] ?? { linkType: 1, unitsPerMs: 1000 };
      const ts = view.getUint32(body + 4, le) * 2 ** 32 + view.getUint32(body + 8, le);
      const captured = view.getUint32(body + 12, le);
      frames.push({
        time: ts / iface.unitsPerMs,
        linkType: iface.linkType,
        data: file.subarray(body + 20, body + 20 + captured),
      });
    } else if (type === 3) {
      const iface = interfaces[0] ?? { linkType: 1, unitsPerMs: 1000 };
      frames.push({ time: 0, linkType: iface.linkType, data: file.subarray(body + 4, off + length - 4) });
    }
    off += length;
  }
  return frames;
}

/** The IPv4 packet inside a link-layer frame, if there is one. */
function ipv4Of(frame: Frame): Uint8Array | undefined {
  const d = frame.data;
  const u16 = (o: number) => (d[o]! << 8) | d[o + 1]!;
  let off: number;
  let ethertype: number;
  switch (frame.linkType) {
    case 1: // Ethernet, maybe one VLAN tag
      off = 14;
      ethertype = u16(12);
      if (ethertype === 0x8100) {
        ethertype = u16(16);
        off = 18;
      }
      break;
    case 113: // Linux cooked v1
      off = 16;
      ethertype = u16(14);
      break;
    case 276: // Linux cooked v2
      off = 20;
      ethertype = u16(0);
      break;
    case 0: // BSD loopback
      off = 4;
      ethertype = 0x0800;
      break;
    default: // raw IP
      off = 0;
      ethertype = 0x0800;
  }
  if (ethertype !== 0x0800 || d.length < off + 20 || d[off]! >> 4 !== 4) return undefined;
  const total = u16(off + 2);
  return d.subarray(off, Math.min(d.length, off + total));
}

export interface Extracted {
  /** TCP 1723 payload bytes per direction, in sequence order. */
  readonly streams: { readonly toServer: Uint8Array; readonly toClient: Uint8Array };
  /** Control payloads and GRE packets in capture order. */
  readonly events: { time: number; kind: "control" | "gre"; toClient: boolean; bytes: Uint8Array }[];
}

export function extract(frames: readonly Frame[]): Extracted {
  const segments = { toServer: new Map<number, Uint8Array>(), toClient: new Map<number, Uint8Array>() };
  const events: Extracted["events"] = [];
  let server: string | undefined;
  for (const frame of frames) {
    const ip = ipv4Of(frame);
    if (ip === undefined) continue;
    const ihl = (ip[0]! & 0x0f) * 4;
    const protocol = ip[9]!;
    const src = ip.subarray(12, 16).join(".");
    const payload = ip.subarray(ihl);
    if (protocol === 6 && payload.length >= 20) {
      const sport = (payload[0]! << 8) | payload[1]!;
      const dport = (payload[2]! << 8) | payload[3]!;
      if (sport !== 1723 && dport !== 1723) continue;
      const toClient = sport === 1723;
      if (toClient) server = src;
      const seq = new DataView(payload.buffer, payload.byteOffset).getUint32(4);
      const data = payload.subarray((payload[12]! >> 4) * 4);
      if (data.length === 0) continue;
      const map = toClient ? segments.toClient : segments.toServer;
      if (map.has(seq)) continue; // a retransmission
      map.set(seq, data);
      events.push({ time: frame.time, kind: "control", toClient, bytes: data });
    } else if (protocol === 47 && payload.length >= 8) {
      events.push({
        time: frame.time,
        kind: "gre",
        toClient: server !== undefined ? src === server : false,
        bytes: payload,
      });
    }
  }
  const join = (map: Map<number, Uint8Array>) => {
    const parts = [...map.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
    return Uint8Array.from(parts.flatMap((p) => [...p]));
  };
  return { streams: { toServer: join(segments.toServer), toClient: join(segments.toClient) }, events };
}

/** Control messages in a stream, by their Length field. */
function messages(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off + 2 <= stream.length; ) {
    const length = (stream[off]! << 8) | stream[off + 1]!;
    if (length < 12 || off + length > stream.length) break;
    out.push(stream.subarray(off, off + length));
    off += length;
  }
  return out;
}

function grePayload(packet: Uint8Array): Uint8Array {
  const header = 8 + (packet[0]! & 0x10 ? 4 : 0) + (packet[1]! & 0x80 ? 4 : 0);
  const length = (packet[4]! << 8) | packet[5]!;
  return packet.subarray(header, header + length);
}

function pppProtocol(frame: Uint8Array): { protocol: number; info: Uint8Array } | undefined {
  let off = frame[0] === 0xff && frame[1] === 0x03 ? 2 : 0;
  if (off >= frame.length) return undefined;
  let protocol = frame[off]!;
  if ((protocol & 1) === 0) {
    protocol = (protocol << 8) | (frame[off + 1] ?? 0);
    off += 2;
  } else off += 1;
  return { protocol, info: frame.subarray(off) };
}

export class SeedWriter {
  written = 0;

  constructor(private readonly root: string) {}

  write(target: string, data: Uint8Array, prefix = "seed"): void {
    const dir = join(this.root, target);
    mkdirSync(dir, { recursive: true });
    const name = `${prefix}-${createHash("sha1").update(data).digest("hex").slice(0, 12)}`;
    writeFileSync(join(dir, name), data);
    this.written++;
  }
}

function seedsFromCapture(x: Extracted, out: SeedWriter): void {
  for (const stream of [x.streams.toServer, x.streams.toClient]) {
    out.write("wire-control-stream", Uint8Array.from([0x41, ...stream]), "pcap");
    for (const message of messages(stream)) out.write("wire-control-message", message, "pcap");
  }
  const pppSeen = new Set<number>();
  for (const event of x.events) {
    if (event.kind !== "gre") continue;
    out.write("wire-gre", event.bytes, "pcap");
    const frame = grePayload(event.bytes);
    const ppp = frame.length > 0 ? pppProtocol(frame) : undefined;
    if (ppp === undefined) continue;
    if (!pppSeen.has(ppp.protocol) || ppp.protocol !== 0x00fd) out.write("wire-ppp", frame, "pcap");
    pppSeen.add(ppp.protocol);
    if (ppp.protocol === 0xc223 || ppp.protocol === 0xc023) out.write("wire-auth", ppp.info, "pcap");
  }
  // The server's side as the whole server of a pptp-session script (stage 0), GRE rewritten to our Call ID.
  for (const config of [0x00, 0x10]) {
    const callId = new Harness(config).callId;
    const t0 = x.events[0]?.time ?? 0;
    const delivered = x.events
      .filter((e) => e.toClient)
      .map((e) => {
        const bytes = e.bytes.slice();
        if (e.kind === "gre") {
          bytes[6] = callId >> 8;
          bytes[7] = callId & 0xff;
        }
        return { at: Math.max(0, e.time - t0), kind: e.kind, bytes };
      });
    out.write("pptp-session", encodeTranscript(config, delivered), "pcap");
  }
  // Both sides through the relay.
  const control = x.events
    .filter((e) => e.kind === "control")
    .map((e) => ({ from: e.toClient ? ("server" as const) : ("client" as const), bytes: e.bytes }));
  const gre = x.events
    .filter((e) => e.kind === "gre")
    .slice(0, 12)
    .map((e) => ({ from: e.toClient ? ("server" as const) : ("client" as const), bytes: e.bytes }));
  out.write("relay-session", encodeRelayScript(control, gre), "pcap");
  // Wrap frames: control chunks and GRE packets as they cross the relay's WebSocket.
  for (const e of x.events.slice(0, 20)) {
    out.write("wrap-frame", Uint8Array.from([e.kind === "control" ? 0x01 : 0x02, ...e.bytes]), "pcap");
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf("--out");
  const root =
    outIndex >= 0 ? args.splice(outIndex, 2)[1]! : fileURLToPath(new URL("./corpus", import.meta.url));
  if (args.length === 0) {
    process.stderr.write("usage: npx tsx fuzz/seed-from-pcap.ts CAPTURE.pcap[ng]… [--out DIR]\n");
    process.exit(2);
  }
  const out = new SeedWriter(root);
  for (const file of args) {
    const x = extract(readCapture(new Uint8Array(readFileSync(file))));
    process.stderr.write(
      `${file}: ${x.streams.toServer.length}+${x.streams.toClient.length} control bytes, ${x.events.filter((e) => e.kind === "gre").length} GRE packets\n`,
    );
    seedsFromCapture(x, out);
  }
  process.stderr.write(`${out.written} seed files under ${root}\n`);
}
