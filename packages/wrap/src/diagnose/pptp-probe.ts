/**
 * The PPTP half of the checklist against the real server: TCP 1723, Start-Control-Connection, one Outgoing-Call,
 * then a short wait for GRE on a raw socket (opened before the call is placed so nothing the server sends early is
 * missed) and whatever ICMP errors the kernel reports on it; then the call and the connection are cleared politely.
 * Each stage is reported as soon as it is known, so the user sees progress.
 */
import { randomInt } from "node:crypto";
import { connect, type Socket } from "node:net";
import { GreSocket, type IoResult } from "@ferry/pptp-client/tunnel";
import {
  BEARER_ANALOG,
  BEARER_DIGITAL,
  FRAMING_ASYNC,
  FRAMING_SYNC,
  greCallId,
  greHeaderProblem,
  PPTP_PROTOCOL_VERSION,
  writeGreHeaderFields,
} from "@ferry/pptp-client/wire";
import { ControlExchange } from "./control-exchange.js";
import type { CallObservation, ControlObservation, GreObservation, TcpObservation } from "./observations.js";

/** What the probe needs of a raw GRE socket (GreSocket has it; tests may fake it). */
export interface GreChannel {
  onPackets(handler: (packets: Uint8Array[]) => void): void;
  send(packets: readonly Uint8Array[]): number;
  stats(): { readonly readErrors: number; readonly lastError?: string };
  close(): void;
}

export interface PptpProbeOptions {
  /** Default 1723; tests use an ephemeral port. */
  readonly port?: number;
  readonly connectTimeoutMs?: number;
  /** For each of Start-Control-Connection-Reply and Outgoing-Call-Reply. */
  readonly replyTimeoutMs?: number;
  /** How long to listen for GRE once the call is up (the connect policy's window). */
  readonly greWaitMs?: number;
  readonly openGre?: (server: string) => IoResult<GreChannel>;
}

export type PptpStage =
  | { readonly tcp: TcpObservation }
  | { readonly control: ControlObservation }
  | { readonly call: CallObservation }
  | { readonly gre: GreObservation };

const RESULT_OK = 1;
const STOP_REASON_GENERAL = 1;
/** How often the GRE wait looks whether the first packet has come. */
const GRE_POLL_MS = 50;
/**
 * An LCP Configure-Request with no options, in a PPP frame with address and control fields (RFC 1661): the
 * server's pppd answers it, so GRE comes back even from a server that waits for the client to speak first.
 */
const LCP_CONFIGURE_REQUEST = Uint8Array.of(0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x04);

/** Runs the probe against `address` (an IPv4 dotted quad), calling `onStage` as each stage ends. Never rejects. */
export async function probePptp(
  address: string,
  onStage: (stage: PptpStage) => void,
  options: PptpProbeOptions = {},
): Promise<void> {
  const replyTimeoutMs = options.replyTimeoutMs ?? 5000;
  const connected = await connectTcp(address, options.port ?? 1723, options.connectTimeoutMs ?? 5000);
  onStage({ tcp: connected.observation });
  const socket = connected.socket;
  if (socket === undefined) return;
  const exchange = new ControlExchange(socket);
  let gre: GreChannel | undefined;
  try {
    exchange.send({
      type: "start-control-connection-request",
      protocolVersion: PPTP_PROTOCOL_VERSION,
      framingCapabilities: FRAMING_ASYNC | FRAMING_SYNC,
      bearerCapabilities: BEARER_ANALOG | BEARER_DIGITAL,
      maxChannels: 0,
      firmwareRevision: 0,
      hostName: "",
      vendorName: "Ferry diagnose",
    });
    const control = await exchange.reply("start-control-connection-reply", replyTimeoutMs);
    onStage({
      control:
        control.outcome === "answered"
          ? {
              outcome: "answered",
              resultCode: control.message.resultCode,
              errorCode: control.message.errorCode,
              hostName: control.message.hostName,
              vendorName: control.message.vendorName,
            }
          : control,
    });
    if (control.outcome !== "answered" || control.message.resultCode !== RESULT_OK) return;

    const opened = (options.openGre ?? openGreSocket)(address);
    const callId = randomInt(1, 0x10000);
    // Listening starts before the call is placed: the server's first GRE may come right behind its reply.
    const counter = opened.ok ? countGreFor(opened.value, callId) : undefined;
    if (opened.ok) gre = opened.value;
    exchange.send({
      type: "outgoing-call-request",
      callId,
      callSerialNumber: callId,
      minBps: 2400,
      maxBps: 10_000_000,
      bearerType: BEARER_ANALOG | BEARER_DIGITAL,
      framingType: FRAMING_ASYNC | FRAMING_SYNC,
      recvWindowSize: 64,
      processingDelay: 0,
      phoneNumber: "",
      subaddress: "",
    });
    const call = await exchange.reply("outgoing-call-reply", replyTimeoutMs);
    onStage({
      call:
        call.outcome === "answered"
          ? {
              outcome: "answered",
              resultCode: call.message.resultCode,
              errorCode: call.message.errorCode,
              causeCode: call.message.causeCode,
              callId,
              serverCallId: call.message.callId,
            }
          : call,
    });
    if (call.outcome !== "answered" || call.message.resultCode !== RESULT_OK) return;

    if (gre === undefined || counter === undefined) {
      const error = opened.ok ? undefined : opened.error;
      onStage({
        gre: {
          outcome: "unavailable",
          needsRoot: error?.code === "NOT_PERMITTED",
          error: error?.message ?? "no raw GRE socket",
        },
      });
    } else {
      onStage({ gre: await listenForGre(gre, counter, call.message.callId, options.greWaitMs ?? 3000) });
    }
    exchange.send({ type: "call-clear-request", callId });
  } finally {
    gre?.close();
    exchange.send({ type: "stop-control-connection-request", reason: STOP_REASON_GENERAL });
    // A short grace for the reply keeps the server's log clean; the connection closes either way.
    await exchange.reply("stop-control-connection-reply", 500);
    socket.destroy();
  }
}

function openGreSocket(server: string): IoResult<GreChannel> {
  return GreSocket.open({ server });
}

interface Connected {
  readonly observation: TcpObservation;
  readonly socket?: Socket;
}

function connectTcp(address: string, port: number, timeoutMs: number): Promise<Connected> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const elapsedMs = (): number => Date.now() - started;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ observation: { outcome: "timeout", elapsedMs: elapsedMs(), error: "ETIMEDOUT" } });
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      const localAddress = socket.localAddress;
      resolve({
        observation: {
          outcome: "connected",
          elapsedMs: elapsedMs(),
          ...(localAddress === undefined ? {} : { localAddress }),
        },
        socket,
      });
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({
        observation: {
          outcome: tcpFailure(error.code),
          elapsedMs: elapsedMs(),
          error: error.code ?? error.message,
        },
      });
    });
  });
}

function tcpFailure(code: string | undefined): "refused" | "timeout" | "no-route" | "error" {
  switch (code) {
    case "ECONNREFUSED":
      return "refused";
    case "ETIMEDOUT":
      return "timeout";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "no-route";
    default:
      return "error";
  }
}

interface GreCounter {
  readonly count: () => number;
}

/**
 * Counts well-formed GRE packets carrying our Call ID: what the server sends for this call. Our own packets, which
 * loop back when the server is this computer, carry the server's Call ID and are not counted.
 */
function countGreFor(gre: GreChannel, callId: number): GreCounter {
  let received = 0;
  gre.onPackets((packets) => {
    for (const packet of packets) {
      if (greHeaderProblem(packet) === undefined && greCallId(packet) === callId) received++;
    }
  });
  return { count: () => received };
}

async function listenForGre(
  gre: GreChannel,
  counter: GreCounter,
  serverCallId: number,
  waitMs: number,
): Promise<GreObservation> {
  const packet = new Uint8Array(12 + LCP_CONFIGURE_REQUEST.length);
  packet.set(LCP_CONFIGURE_REQUEST, 12);
  writeGreHeaderFields(packet, 12, serverCallId, LCP_CONFIGURE_REQUEST.length, 0, undefined);
  const sent = gre.send([packet]);
  const started = Date.now();
  while (Date.now() - started < waitMs && counter.count() === 0) {
    await new Promise((resolve) => setTimeout(resolve, GRE_POLL_MS));
  }
  const stats = gre.stats();
  // A send the kernel refused (e.g. the local firewall) counts as an error too: it explains silence.
  const socketErrors = stats.readErrors + (sent === 0 ? 1 : 0);
  return {
    outcome: "listened",
    waitedMs: Math.min(Date.now() - started, waitMs),
    received: counter.count(),
    sent,
    socketErrors,
    ...(stats.lastError === undefined ? {} : { lastError: stats.lastError }),
  };
}
