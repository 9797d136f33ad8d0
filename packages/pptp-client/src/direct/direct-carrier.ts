/**
 * Direct mode's carrier: the control stream on TCP 1723 and GRE on a raw socket, both straight to the server.
 * The GRE socket opens before the call is placed, because a server whose first GRE packet draws an ICMP
 * protocol-unreachable hangs up (pptpd does).
 */
import type { Socket } from "node:net";
import { GreSocket } from "../io/gre-socket.js";
import { type IoResult, opened } from "../io/io-result.js";
import type { CarrierHandlers, PptpCarrier } from "../tunnel/carrier.js";
import { connectControl } from "./tcp-control.js";

/** Errors a connected raw socket reports when an ICMP unreachable came back for GRE. */
const UNREACHABLE_ERRNOS: ReadonlySet<string> = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);
/** The addon counts ICMP errors without waking JavaScript, so they are looked for until GRE proves itself. */
const UNREACHABLE_CHECK_MS = 100;

export async function openDirectCarrier(
  serverAddress: string,
  connectTimeoutMs: number,
): Promise<IoResult<PptpCarrier>> {
  const gre = GreSocket.open({ server: serverAddress });
  if (!gre.ok) return gre;
  const socket = await connectControl(serverAddress, connectTimeoutMs);
  if (!socket.ok) {
    gre.value.close();
    return socket;
  }
  return opened(new DirectCarrier(serverAddress, socket.value, gre.value));
}

class DirectCarrier implements PptpCarrier {
  readonly transport = "direct";
  private unreachableCheck: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly outerAddress: string,
    private readonly socket: Socket,
    private readonly gre: GreSocket,
  ) {}

  start(handlers: CarrierHandlers): void {
    this.socket.on("data", (bytes: Buffer) => handlers.control(bytes));
    this.socket.on("close", () => {
      if (!this.closed) handlers.closed();
    });
    this.socket.on("error", () => {}); // "close" follows and carries the news
    this.gre.onPackets((packets) => {
      this.stopUnreachableCheck();
      handlers.gre(packets);
    });
    this.unreachableCheck = setInterval(() => {
      const { readErrors, lastError } = this.gre.stats();
      if (readErrors === 0 || lastError === undefined || !UNREACHABLE_ERRNOS.has(lastError)) return;
      this.stopUnreachableCheck();
      handlers.event({ type: "gre-unreachable", errno: lastError });
    }, UNREACHABLE_CHECK_MS);
  }

  sendControl(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  sendGre(packets: readonly Uint8Array[]): void {
    this.gre.send(packets);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopUnreachableCheck();
    this.socket.end();
    this.gre.close();
  }

  private stopUnreachableCheck(): void {
    clearInterval(this.unreachableCheck);
    this.unreachableCheck = undefined;
  }
}
