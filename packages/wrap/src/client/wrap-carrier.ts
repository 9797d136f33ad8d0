/**
 * The wrap transport as a PptpCarrier: the PPTP session's control stream and GRE packets over one WebSocket to
 * ferry-relay, so the session does not know whether it runs direct or wrapped. This file is the I/O adapter: it
 * connects (directly or through the web proxy), verifies TLS, upgrades, then moves frames between the WebSocket
 * and the sans-IO WrapClientSession and follows the session's one deadline with one timer.
 */
import type { CarrierHandlers, IoResult, PptpCarrier } from "@ferry/pptp-client/tunnel";
import { DeadlineTimer, failed, opened } from "@ferry/pptp-client/tunnel";
import type { RawData, WebSocket } from "ws";
import { type WrapErrorCode, wrapError } from "../errors.js";
import { isServerName, isToken } from "../wire/index.js";
import { connectThroughProxy, proxyFor } from "./proxy-connect.js";
import { connectToRelay, peerAddress } from "./relay-socket.js";
import { parseRelayUrl } from "./relay-url.js";
import { secureRelaySocket, type TlsTrust } from "./tls-trust.js";
import { upgradeToWebSocket } from "./websocket-upgrade.js";
import {
  WrapClientSession,
  type WrapSessionEvent,
  type WrapSessionStats,
  type WrapWelcome,
} from "./wrap-client-session.js";

/** Section 7: above this many unsent bytes GRE is dropped (a lossy link), never queued; control is always sent. */
export const GRE_BACKPRESSURE_BYTES = 64 * 1024;
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

export interface WrapCarrierOptions {
  /** wss://host[:port]/path from the profile; ws:// only to loopback. */
  readonly relayUrl: string;
  /** The PPTP server the relay should dial, as hello carries it. */
  readonly server: string;
  /** The profile's relay token ("" with a TLS client certificate). */
  readonly token: string;
  readonly trust: TlsTrust;
  /** Where HTTPS_PROXY and NO_PROXY are read; process.env when absent. */
  readonly env?: NodeJS.ProcessEnv;
  /** For TCP (or the proxy's CONNECT), TLS and the upgrade together; the welcome has its own 30 s. */
  readonly connectTimeoutMs?: number;
  readonly onProgress?: (event: WrapProgressEvent) => void;
}

/** Steps of opening the carrier, for the connect log. */
export type WrapProgressEvent =
  | { readonly type: "relay-connecting"; readonly relay: string; readonly proxy?: string }
  | { readonly type: "relay-tcp-connected"; readonly address: string }
  | { readonly type: "relay-tls-verified"; readonly trust: TlsTrust["kind"]; readonly fingerprint256: string }
  | { readonly type: "relay-upgraded"; readonly protocol: string }
  | { readonly type: "relay-hello-sent" };

export interface WrapCarrierStats extends WrapSessionStats {
  /** GRE packets dropped because the WebSocket had more than GRE_BACKPRESSURE_BYTES unsent. */
  greDroppedBackpressure: number;
}

/**
 * Connects to the relay and resolves once it welcomed the session (its TCP connection to the server is up), or
 * with why not: the relay's refusal, a TLS, proxy or version problem, or an unreachable relay.
 */
export async function openWrapCarrier(
  options: WrapCarrierOptions,
): Promise<IoResult<WrapCarrier, WrapErrorCode>> {
  const target = parseRelayUrl(options.relayUrl);
  if (!target.ok) return target;
  if (!isServerName(options.server) || !isToken(options.token))
    return failed(
      wrapError(
        "USAGE",
        "The profile's server or relay token cannot be sent to the relay.",
        "The server must be an IPv4 address or host name; the token up to 1024 visible ASCII characters.",
      ),
    );
  const { url, host, port, secure } = target.value;
  const proxy = proxyFor(url, options.env ?? process.env);
  if (!proxy.ok) return proxy;
  const deadline = performance.now() + (options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const remaining = () => Math.max(1, Math.round(deadline - performance.now()));
  const progress = options.onProgress ?? (() => {});

  const relay = `${host}:${port}`;
  progress(
    proxy.value === undefined
      ? { type: "relay-connecting", relay }
      : { type: "relay-connecting", relay, proxy: proxy.value.host },
  );
  const tcp =
    proxy.value === undefined
      ? await connectToRelay(host, port, remaining())
      : await connectThroughProxy(proxy.value, host, port, remaining());
  if (!tcp.ok) return tcp;
  const outerAddress = peerAddress(tcp.value);
  progress({ type: "relay-tcp-connected", address: outerAddress });

  let stream = tcp.value;
  if (secure) {
    const tls = await secureRelaySocket(tcp.value, host, options.trust, remaining());
    if (!tls.ok) return tls;
    stream = tls.value;
    progress({
      type: "relay-tls-verified",
      trust: options.trust.kind,
      fingerprint256: tls.value.getPeerCertificate().fingerprint256 ?? "",
    });
  }
  const ws = await upgradeToWebSocket(url, stream, remaining());
  if (!ws.ok) return ws;
  progress({ type: "relay-upgraded", protocol: ws.value.protocol });
  return new Promise((resolve) => {
    new WrapCarrier(ws.value, new WrapClientSession(options.server, options.token), outerAddress, resolve);
    progress({ type: "relay-hello-sent" });
  });
}

const clock = (): number => performance.now();

export class WrapCarrier implements PptpCarrier {
  readonly transport = "wrap";
  private handlers: CarrierHandlers | undefined;
  /** Events between the welcome and start(). */
  private readonly pending: WrapSessionEvent[] = [];
  private welcomed: WrapWelcome | undefined;
  private finished = false;
  private greDroppedBackpressure = 0;
  private readonly timer = new DeadlineTimer(
    () => this.input((now) => this.session.handleTimeout(now)),
    clock,
  );

  /** Use openWrapCarrier; `settle` learns the outcome of the handshake once. */
  constructor(
    private readonly ws: WebSocket,
    private readonly session: WrapClientSession,
    readonly outerAddress: string,
    private settle: ((result: IoResult<WrapCarrier, WrapErrorCode>) => void) | undefined,
  ) {
    ws.on("message", (data, isBinary) =>
      this.input((now) =>
        isBinary ? session.handleFrame(bytesOf(data), now) : session.handleTextMessage(now),
      ),
    );
    ws.on("close", (status, reason) =>
      this.input((now) => session.handleClosed(status, reason.toString("utf8"), now)),
    );
    // Every error is followed by 'close', which the session explains; the listener keeps ws from throwing.
    ws.on("error", () => {});
    this.input((now) => session.start(now));
  }

  /** What the relay said in its welcome: the address it sees this client from, for NAT detection. */
  get welcome(): WrapWelcome {
    return this.welcomed!;
  }

  get stats(): WrapCarrierStats {
    return { ...this.session.stats, greDroppedBackpressure: this.greDroppedBackpressure };
  }

  start(handlers: CarrierHandlers): void {
    if (this.handlers !== undefined || this.finished) return;
    this.handlers = handlers;
    this.deliver(this.pending.splice(0));
  }

  sendControl(bytes: Uint8Array): void {
    this.input(() => this.session.sendControl(bytes));
  }

  sendGre(packets: readonly Uint8Array[]): void {
    // Judged once per batch: frames written in this wake-up stay in bufferedAmount until the socket takes them, so
    // counting them would drop the tail of every burst on an idle link. Bytes still unsent from earlier wake-ups
    // are the congestion that must turn into loss.
    const congested = this.ws.bufferedAmount > GRE_BACKPRESSURE_BYTES;
    this.input(() => {
      for (const packet of packets) {
        if (congested) this.greDroppedBackpressure++;
        else {
          this.session.sendGre(packet);
          this.flushFrames();
        }
      }
    });
  }

  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.pending.length = 0;
    this.input(() => this.session.close());
  }

  /** Feeds the session one input, then sends what it queued, acts on a close request and delivers its events. */
  private input(feed: (now: number) => void): void {
    feed(clock());
    this.flushFrames();
    const close = this.session.pollClose();
    if (close?.kind === "abort") this.ws.terminate();
    else if (close !== undefined) this.ws.close(close.status, close.reason);
    const events: WrapSessionEvent[] = [];
    for (let event = this.session.pollEvent(); event !== undefined; event = this.session.pollEvent())
      events.push(event);
    this.deliver(events);
    this.timer.set(this.session.nextTimeout());
  }

  private flushFrames(): void {
    for (let frame = this.session.pollFrame(); frame !== undefined; frame = this.session.pollFrame())
      this.ws.send(frame);
  }

  private deliver(events: WrapSessionEvent[]): void {
    let gre: Uint8Array[] = [];
    const flushGre = () => {
      if (gre.length > 0) this.handlers?.gre(gre);
      gre = [];
    };
    for (const event of events) {
      if (this.finished) return;
      if (event.type === "welcome") {
        const { observedAddress, relayAddress, sessionId } = event;
        this.welcomed = { observedAddress, relayAddress, sessionId };
        this.settleOnce(opened(this));
        continue;
      }
      if (event.type === "closed" && this.settle !== undefined) {
        this.finished = true;
        this.settleOnce(failed(event.error ?? lostBeforeWelcome()));
        return;
      }
      const handlers = this.handlers;
      if (handlers === undefined) {
        this.pending.push(event);
        continue;
      }
      if (event.type === "gre") {
        gre.push(event.packet);
        continue;
      }
      flushGre();
      switch (event.type) {
        case "control":
          handlers.control(event.bytes);
          break;
        case "goaway":
          handlers.event({ type: "goaway", reconnectAfterMs: event.reconnectAfterMs });
          break;
        case "rtt":
          handlers.event({ type: "carrier-rtt", rttMs: event.rttMs });
          break;
        case "closed":
          this.finished = true;
          handlers.closed(event.error);
          return;
      }
    }
    flushGre();
  }

  private settleOnce(result: IoResult<WrapCarrier, WrapErrorCode>): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(result);
  }
}

/** The session reports every close before welcome with an error; this only satisfies the types. */
function lostBeforeWelcome() {
  return wrapError(
    "RELAY_CONNECTION_LOST",
    "The relay closed the connection before accepting the session.",
    "Try again; if it persists, ask the relay's administrator.",
  );
}

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
