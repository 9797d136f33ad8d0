/**
 * What a TUN device and a raw GRE socket share: a non-blocking fd that the addon drains in batches (one callback
 * per wake-up, each packet its own Uint8Array), a batched send that drops rather than blocks, counters and close.
 */
import type { FerryError } from "../errors.js";
import { type IoSubject, ioError } from "./io-errors.js";
import type { NativeAddon, NativePacketReader, NativeReaderOptions, NativeWriteResult } from "./native.js";

export interface PacketFdStats {
  /** Packets handed to the onPackets handler. */
  readonly received: number;
  /** Reader wake-ups; received / wakeups is the mean batch. */
  readonly wakeups: number;
  /** Packets read but not handed on: not IPv4 (TUN), not GRE from the server (raw socket), or no handler yet. */
  readonly ignored: number;
  readonly truncated: number;
  /** Read errors that cost a wake-up but left the fd usable (e.g. an ICMP error reported on the raw socket). */
  readonly readErrors: number;
  /** Packets the kernel took from send(). */
  readonly sent: number;
  /** Packets send() could not hand to the kernel: a full queue, a refusal, or a closed fd. */
  readonly dropped: number;
  /** The last errno name a read or a send reported. */
  readonly lastError?: string;
}

export type PacketHandler = (packets: Uint8Array[]) => void;
export type ErrorHandler = (error: FerryError) => void;

export abstract class PacketFd {
  private readonly reader: NativePacketReader;
  private packetHandler: PacketHandler | undefined;
  private errorHandler: ErrorHandler | undefined;
  private closed = false;
  private unclaimed = 0;
  private sent = 0;
  private dropped = 0;
  private lastSendError: string | undefined;

  /** Starts reading at once: anything read before onPackets() is counted as ignored. */
  protected constructor(
    protected readonly addon: NativeAddon,
    private readonly fd: number,
    private readonly subject: IoSubject,
    readerOptions: NativeReaderOptions,
  ) {
    this.reader = new addon.PacketReader(
      fd,
      subject,
      (packets) => this.deliver(packets),
      (error) => this.readerFailed(error),
      readerOptions,
    );
  }

  /** Receives every later batch; one handler at a time (a new one replaces the old). */
  onPackets(handler: PacketHandler): void {
    this.packetHandler = handler;
  }

  /** Told when reading stops for good (the fd became unusable). Sending failures are counted, not reported here. */
  onError(handler: ErrorHandler): void {
    this.errorHandler = handler;
  }

  /** Hands a batch to the kernel without blocking; returns how many it took. Never throws. */
  send(packets: readonly Uint8Array[]): number {
    return this.sendWith(packets, (fd, batch) => this.write(fd, batch));
  }

  /** send() through another write (e.g. to an address of the caller's choosing), counted the same way. */
  protected sendWith(
    packets: readonly Uint8Array[],
    write: (fd: number, packets: readonly Uint8Array[]) => NativeWriteResult,
  ): number {
    if (packets.length === 0) return 0;
    let result: NativeWriteResult;
    try {
      result = this.closed ? { sent: 0 } : write(this.fd, packets);
    } catch (error) {
      result = { sent: 0, error: (error as { code?: string }).code ?? "UNKNOWN" };
    }
    this.sent += result.sent;
    this.dropped += packets.length - result.sent;
    if (result.error !== undefined) this.lastSendError = result.error;
    return result.sent;
  }

  stats(): PacketFdStats {
    const native = this.reader.stats();
    const lastError = this.lastSendError ?? native.lastError;
    return {
      received: native.packets - this.unclaimed,
      wakeups: native.wakeups,
      ignored: native.ignored + this.unclaimed,
      truncated: native.truncated,
      readErrors: native.errors,
      sent: this.sent,
      dropped: this.dropped,
      ...(lastError === undefined ? {} : { lastError }),
    };
  }

  /** Stops reading and closes the fd (the kernel then removes a non-persistent TUN device). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.stop();
    this.addon.closeFd(this.fd);
  }

  protected abstract write(fd: number, packets: readonly Uint8Array[]): NativeWriteResult;

  private deliver(packets: Uint8Array[]): void {
    if (this.packetHandler === undefined) {
      this.unclaimed += packets.length;
      return;
    }
    this.packetHandler(packets);
  }

  private readerFailed(cause: unknown): void {
    const error = ioError(
      this.subject,
      `Reading from the ${this.subject === "tun" ? "TUN device" : "GRE socket"}`,
      cause,
    );
    this.errorHandler?.(error);
  }
}
