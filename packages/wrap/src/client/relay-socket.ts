/**
 * The plain TCP connection to the relay when no web proxy is in the way. IPv4 is preferred for names: the tunnel
 * keeps an IPv4 host route to the carrier's peer so a default route through the tunnel does not swallow it.
 */
import { connect, isIPv6, type Socket } from "node:net";
import { failed, type IoResult, opened } from "@ferry/pptp-client/tunnel";
import { type WrapErrorCode, wrapError } from "../errors.js";
import { unmappedAddress } from "../wire/address.js";

export function connectToRelay(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<IoResult<Socket, WrapErrorCode>> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, family: isIPv6(host) ? 6 : 4 });
    const fail = (message: string, detail: Record<string, string>, cause?: unknown) => {
      socket.destroy();
      resolve(
        failed(
          wrapError(
            "RELAY_UNREACHABLE",
            message,
            "Check the relay URL in the profile; if this network only allows a web proxy, set HTTPS_PROXY.",
            { relay: `${host}:${port}`, ...detail },
            cause,
          ),
        ),
      );
    };
    socket.setTimeout(timeoutMs, () =>
      fail(`The relay at ${host}:${port} did not answer within ${timeoutMs} ms.`, { errno: "ETIMEDOUT" }),
    );
    // Stays attached: an error after the hand-over destroys a socket that is broken anyway (the layers above see
    // the close), instead of crashing the process for want of a listener.
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const errno = error.code ?? "unknown";
      fail(
        errno === "ENOTFOUND" || errno === "EAI_AGAIN"
          ? `The relay's name ${host} could not be resolved (${errno}).`
          : `Could not connect to the relay at ${host}:${port} (${errno}).`,
        { errno },
        error,
      );
    });
    socket.once("connect", () => {
      socket.setTimeout(0);
      resolve(opened(socket));
    });
  });
}

/** The peer's address as the carrier reports it: IPv4-mapped IPv6 becomes the IPv4 address it maps. */
export function peerAddress(socket: Socket): string {
  return unmappedAddress(socket.remoteAddress ?? "");
}
