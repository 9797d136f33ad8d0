import type { FerryError, SessionStats } from "@ferry/pptp-client";
import { mppeLabel } from "@ferry/pptp-client/tunnel";
import { type ConnectEvent, describeConnectEvent } from "@ferry/wrap";

/** How `ferry connect` tells the user what happens: sentences for people, or one JSON object per line. */
export interface Reporter {
  event(event: ConnectEvent): void;
  error(error: FerryError<string>): void;
  /** The last session's totals, when it ends: what it moved, what the network lost, what was refused. */
  stats(stats: SessionStats): void;
  disconnected(reason: "user" | "error"): void;
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

export function humanReporter(write: (line: string) => void): Reporter {
  return {
    event(event) {
      const line = describeConnectEvent(event);
      if (line !== undefined)
        write(event.type === "connected" ? `${line} Press Ctrl-C to disconnect.` : line);
    },
    error(error) {
      write(`Error [${error.code}]: ${error.message}`);
      write(`  Try: ${error.hint}`);
    },
    stats(stats) {
      write(
        `This session: ${megabytes(stats.bytesIn)} received, ${megabytes(stats.bytesOut)} sent; ` +
          `${stats.lost} packets lost on the way, ${stats.duplicates} duplicates and ${stats.dropped} malformed, ` +
          "forged or undecryptable packets dropped.",
      );
    },
    disconnected(reason) {
      write(reason === "user" ? "Disconnected." : "Disconnected after the error above.");
    },
  };
}

export function jsonReporter(write: (line: string) => void, ifname: () => string | undefined): Reporter {
  const emit = (object: Record<string, unknown>) => write(JSON.stringify(object));
  return {
    event(event) {
      switch (event.type) {
        case "connected":
          emit({
            event: "connected",
            transport: event.transport,
            ...(event.fallbackReason === undefined ? {} : { fallbackReason: event.fallbackReason }),
            interface: ifname(),
            localAddress: event.localAddress,
            peerAddress: event.peerAddress,
            dns: event.dns,
            mtu: event.mtu,
            mppe: mppeLabel(event.mppe),
            auth: event.authMethod,
          });
          return;
        case "encryption":
          emit({ event: "encryption", mppe: mppeLabel(event.mppe) });
          return;
        case "reconnecting":
          emit({
            event: "reconnecting",
            afterMs: event.afterMs,
            attempt: event.attempt,
            code: event.error.code,
            message: event.error.message,
          });
          return;
        default: {
          const { type, ...rest } = event;
          emit({ event: type, ...rest });
        }
      }
    },
    error(error) {
      emit({
        event: "error",
        code: error.code,
        message: error.message,
        hint: error.hint,
        ...(error.detail ?? {}),
      });
    },
    stats(stats) {
      emit({ event: "stats", ...stats });
    },
    disconnected(reason) {
      emit({ event: "disconnected", reason });
    },
  };
}
