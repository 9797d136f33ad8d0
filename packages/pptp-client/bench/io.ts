/**
 * Direct mode's I/O benchmark (Linux, root): how many packets per second a reader takes off a TUN device and off a
 * raw GRE socket, batched through the native addon versus the obvious alternatives. Not a test: it prints figures.
 *
 *   npx tsx packages/pptp-client/bench/io.ts [--bytes 1400] [--seconds 2] [--rates 100000,0]
 *                                            [--touch] [--raw-socket /path/to/node_modules/raw-socket]
 *
 * --touch makes the reader read every byte of every packet, as RC4 will: the reader then falls behind and the
 * batches grow, which is where batching pays.
 *
 * It builds two namespaces (fy-io-bench-*, 10.0.0.0/8 and 198.51.100.0/24 only) and deletes them when done. Each
 * measurement runs in its own process inside a namespace, fed by a generator process that writes batches with the
 * addon at a fixed rate, or as fast as it can (rate 0). Packets the reader cannot keep up with are dropped by the
 * kernel. With two cores the generator is often the limit; the reader's CPU time per packet at the same offered
 * rate is the fairer comparison, so both are printed.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { read } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { GreSocket } from "../src/io/gre-socket.js";
import { loadNativeAddon, type NativeAddon } from "../src/io/native.js";
import { TunDevice } from "../src/io/tun-device.js";
import { writeU16 } from "../src/util/bytes.js";

const { values: options } = parseArgs({
  options: {
    phase: { type: "string" },
    bytes: { type: "string", default: "1400" },
    seconds: { type: "string", default: "2" },
    rates: { type: "string", default: "100000,0" },
    rate: { type: "string", default: "0" },
    touch: { type: "boolean", default: false },
    "raw-socket": { type: "string", default: "/tmp/ferry-io-scratch/node_modules/raw-socket" },
  },
});
const PACKET_BYTES = Number(options.bytes);
const SECONDS = Number(options.seconds);
const RAW_SOCKET_PATH = options["raw-socket"];
const TOUCH = options.touch;

const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const READER_NS = `fy-io-bench-r-${process.pid}`;
const SENDER_NS = `fy-io-bench-s-${process.pid}`;
const GENERATOR_BATCH = 64;

// TUN: the generator writes into fyg (10.0.2.1/24) packets for 10.0.1.2, which the kernel forwards out of fyr.
const TUN_READER = { name: "fyr", cidr: "10.0.1.1/24", target: "10.0.1.2" };
const TUN_GENERATOR = { name: "fyg", cidr: "10.0.2.1/24", source: "10.0.2.2" };
// GRE: the sender namespace (198.51.100.2) sends to the reader namespace (198.51.100.1).
const GRE_READER = "198.51.100.1";
const GRE_SENDER = "198.51.100.2";

interface Measurement {
  readonly name: string;
  readonly packets: number;
  readonly seconds: number;
  /** CPU time of the reader process (user + system) over the same span: the cost that does not depend on the generator. */
  readonly cpuSeconds: number;
  readonly batches?: number;
}

function addon(): NativeAddon {
  const loaded = loadNativeAddon();
  if (!loaded.ok) throw new Error(`${loaded.error.message} ${loaded.error.hint}`);
  return loaded.value;
}

function ip(args: readonly string[]): void {
  execFileSync("ip", args);
}

function udpToTunReader(): Uint8Array {
  const packet = new Uint8Array(PACKET_BYTES);
  packet[0] = 0x45;
  writeU16(packet, 2, PACKET_BYTES);
  packet[8] = 64;
  packet[9] = 17;
  packet.set(TUN_GENERATOR.source.split(".").map(Number), 12);
  packet.set(TUN_READER.target.split(".").map(Number), 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (packet[i]! << 8) | packet[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  writeU16(packet, 10, ~sum & 0xffff);
  writeU16(packet, 20, 40000);
  writeU16(packet, 22, 9);
  writeU16(packet, 24, PACKET_BYTES - 20);
  return packet;
}

function grePacket(): Uint8Array {
  const packet = new Uint8Array(PACKET_BYTES);
  packet.set([0x30, 0x01, 0x88, 0x0b]);
  writeU16(packet, 4, PACKET_BYTES - 12);
  return packet;
}

/** A generator process: writes batches at `--rate` packets/s (0: as fast as the kernel takes them) until killed. */
function generate(write: (batch: Uint8Array[]) => void, packet: Uint8Array): void {
  const batch = Array.from({ length: GENERATOR_BATCH }, () => packet);
  const rate = Number(options.rate);
  console.log(JSON.stringify({ type: "generating" }));
  if (rate === 0) for (;;) write(batch);
  const startedAt = performance.now();
  let written = 0;
  const catchUp = (): void => {
    const due = Math.floor(((performance.now() - startedAt) * rate) / 1000) - written;
    for (let left = due; left > 0; left -= GENERATOR_BATCH) {
      write(left >= GENERATOR_BATCH ? batch : batch.slice(0, left));
    }
    written += Math.max(due, 0);
    setImmediate(catchUp);
  };
  catchUp();
}

/**
 * Counts packets for SECONDS from the first one, then prints one Measurement. `start` begins reading and returns a
 * function that says how many wake-ups it took (if it knows).
 */
function measure(
  name: string,
  start: (count: (packets: readonly Uint8Array[]) => void) => () => number | undefined,
): void {
  let packets = 0;
  let checksum = 0;
  let startedAt = 0;
  let cpuAtStart = process.cpuUsage();
  const batches = start((received) => {
    if (startedAt === 0) {
      startedAt = performance.now();
      cpuAtStart = process.cpuUsage();
    }
    packets += received.length;
    if (TOUCH) {
      for (const packet of received) for (let i = 0; i < packet.length; i++) checksum ^= packet[i]!;
    }
  });
  console.log(JSON.stringify({ type: "ready" }));
  const timer = setInterval(() => {
    if (startedAt === 0 || performance.now() - startedAt < SECONDS * 1000) return;
    clearInterval(timer);
    const wakeups = batches();
    const cpu = process.cpuUsage(cpuAtStart);
    const result: Measurement = {
      name,
      packets,
      seconds: (performance.now() - startedAt) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      ...(wakeups === undefined ? {} : { batches: wakeups }),
    };
    // The checksum goes out so that the byte loop cannot be optimised away.
    console.log(JSON.stringify({ type: "result", ...result, checksum }));
    process.exit(0);
  }, 10);
}

function openTunUp(device: { name: string; cidr: string }): TunDevice {
  const opened = TunDevice.open({ name: device.name });
  if (!opened.ok) throw new Error(`${opened.error.message} ${opened.error.hint}`);
  ip(["addr", "add", device.cidr, "dev", opened.value.name]);
  ip(["link", "set", opened.value.name, "up"]);
  return opened.value;
}

const keepAlive: unknown[] = [];

const PHASES: Record<string, () => void> = {
  "tun-generator": () => {
    const native = addon();
    const tun = native.openTun(TUN_GENERATOR.name);
    ip(["addr", "add", TUN_GENERATOR.cidr, "dev", tun.name]);
    ip(["link", "set", tun.name, "up"]);
    generate((batch) => native.writeTun(tun.fd, batch), udpToTunReader());
  },
  "tun-batched": () =>
    measure("TUN read, uv_poll + read() batches (addon)", (count) => {
      const tun = openTunUp(TUN_READER);
      tun.onPackets(count);
      return () => tun.stats().wakeups;
    }),
  "tun-fs-read": () =>
    measure("TUN read, fs.read loop (one packet per call)", (count) => {
      // The same device opened by the addon, read the naive way: libuv's thread pool, one read() per packet.
      const native = addon();
      const tun = native.openTun(TUN_READER.name);
      ip(["addr", "add", TUN_READER.cidr, "dev", tun.name]);
      ip(["link", "set", tun.name, "up"]);
      const next = (): void => {
        const buffer = Buffer.allocUnsafe(65536);
        read(tun.fd, buffer, 0, buffer.length, null, (error, bytes) => {
          if (error === null && bytes > 0) count([buffer.subarray(0, bytes)]);
          // The fd is non-blocking: an empty queue answers EAGAIN, so wait for the next turn of the loop.
          if (error !== null) setImmediate(next);
          else next();
        });
      };
      next();
      return () => undefined;
    }),
  "gre-generator": () => {
    const native = addon();
    const fd = native.openGre();
    native.connectGre(fd, GRE_READER);
    generate((batch) => native.sendGre(fd, batch), grePacket());
  },
  "gre-batched": () =>
    measure("GRE receive, uv_poll + recvmmsg batches (addon)", (count) => {
      const opened = GreSocket.open({ server: GRE_SENDER });
      if (!opened.ok) throw new Error(opened.error.message);
      opened.value.onPackets(count);
      return () => opened.value.stats().wakeups;
    }),
  "gre-raw-socket": () =>
    measure("GRE receive, raw-socket (npm), one callback per packet", (count) => {
      const raw = createRequire(import.meta.url)(RAW_SOCKET_PATH) as {
        createSocket(options: { protocol: number; bufferSize?: number }): {
          on(event: "message", listener: (buffer: Buffer, source: string) => void): void;
        };
      };
      const socket = raw.createSocket({ protocol: 47, bufferSize: 65536 });
      // raw-socket stops receiving once its socket object is garbage collected: hold on to it.
      keepAlive.push(socket);
      socket.on("message", (buffer, source) => {
        // What a wrapper must do for the core: filter the source, strip the header, copy (raw-socket reuses its buffer).
        if (source !== GRE_SENDER) return;
        const headerLength = (buffer[0]! & 0x0f) * 4;
        count([Uint8Array.prototype.slice.call(buffer, headerLength)]);
      });
      return () => undefined;
    }),
};

// ---- The orchestrating process (on the host) ----

function inNamespace(namespace: string, phase: string, rate = 0): ChildProcess {
  return spawn(
    "ip",
    [
      ...["netns", "exec", namespace, process.execPath, "--import", "tsx", SELF],
      ...["--phase", phase, "--bytes", `${PACKET_BYTES}`, "--seconds", `${SECONDS}`, "--rate", `${rate}`],
      ...["--raw-socket", RAW_SOCKET_PATH, ...(TOUCH ? ["--touch"] : [])],
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
}

function nextLine(child: ChildProcess, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let pending = "";
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString();
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        const message = JSON.parse(line) as Record<string, unknown>;
        if (message["type"] === type) {
          child.stdout!.off("data", onData);
          resolve(message);
          return;
        }
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`phase exited (${code}) before "${type}"`)));
  });
}

async function run(
  readerPhase: string,
  generatorNs: string,
  generatorPhase: string,
  rate: number,
): Promise<Measurement> {
  const reader = inNamespace(READER_NS, readerPhase);
  const generator = { process: undefined as ChildProcess | undefined };
  try {
    await nextLine(reader, "ready");
    generator.process = inNamespace(generatorNs, generatorPhase, rate);
    await nextLine(generator.process, "generating");
    return (await nextLine(reader, "result")) as unknown as Measurement;
  } finally {
    generator.process?.kill("SIGKILL");
    reader.kill("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function setUpNamespaces(): void {
  for (const namespace of [READER_NS, SENDER_NS]) {
    ip(["netns", "add", namespace]);
    ip(["-n", namespace, "link", "set", "lo", "up"]);
  }
  ip(["-n", READER_NS, "link", "add", "fyb0", "type", "veth", "peer", "name", "fyb1", "netns", SENDER_NS]);
  ip(["-n", READER_NS, "addr", "add", `${GRE_READER}/24`, "dev", "fyb0"]);
  ip(["-n", SENDER_NS, "addr", "add", `${GRE_SENDER}/24`, "dev", "fyb1"]);
  ip(["-n", READER_NS, "link", "set", "fyb0", "up"]);
  ip(["-n", SENDER_NS, "link", "set", "fyb1", "up"]);
  execFileSync("ip", ["netns", "exec", READER_NS, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
}

function tearDownNamespaces(): void {
  for (const namespace of [READER_NS, SENDER_NS]) spawnSync("ip", ["netns", "delete", namespace]);
}

async function main(): Promise<void> {
  if (options.phase !== undefined) {
    PHASES[options.phase]!();
    return;
  }
  if (process.getuid?.() !== 0)
    throw new Error("the I/O benchmark needs root (namespaces, TUN, raw sockets)");
  addon();
  const rawSocketAvailable =
    spawnSync(process.execPath, ["-e", `require(${JSON.stringify(RAW_SOCKET_PATH)})`]).status === 0;

  process.on("SIGINT", () => {
    tearDownNamespaces();
    process.exit(130);
  });
  setUpNamespaces();
  try {
    const runs: [string, string, string][] = [
      ["tun-batched", READER_NS, "tun-generator"],
      ["tun-fs-read", READER_NS, "tun-generator"],
      ["gre-batched", SENDER_NS, "gre-generator"],
    ];
    if (rawSocketAvailable) runs.push(["gre-raw-socket", SENDER_NS, "gre-generator"]);
    console.log(
      `${PACKET_BYTES}-byte packets, ${SECONDS} s each${TOUCH ? ", every byte read" : ""}. packets/s is bounded by the generator when the mean batch is` +
        " small; packets per CPU-second of the reader process is the reader's own cost.",
    );
    for (const rate of options.rates.split(",").map(Number)) {
      console.log(
        rate === 0 ? "offered: as fast as the generator can" : `offered: ${rate / 1000}k packets/s`,
      );
      for (const [readerPhase, generatorNs, generatorPhase] of runs) {
        const result = await run(readerPhase, generatorNs, generatorPhase, rate);
        const thousands = (n: number): string => `${(n / 1000).toFixed(0).padStart(5)}k`;
        const batch =
          result.batches === undefined ? "" : `  mean batch ${(result.packets / result.batches).toFixed(1)}`;
        console.log(
          `${result.name.padEnd(56)} ${thousands(result.packets / result.seconds)} packets/s` +
            `  ${thousands(result.packets / result.cpuSeconds)} packets per CPU-second${batch}`,
        );
      }
    }
    if (!rawSocketAvailable) {
      console.log(
        `raw-socket not found at ${RAW_SOCKET_PATH} (npm install --no-save raw-socket there to compare)`,
      );
    }
  } finally {
    tearDownNamespaces();
  }
}

await main();
