/**
 * Asks the home router for its external address over NAT-PMP (UDP 5351). Most routers do not answer (NAT-PMP is
 * off, or the gateway is not a NAT): that is normal, so every failure is simply "no answer", never an error.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import {
  emitExternalAddressRequest,
  NAT_PMP_PORT,
  NAT_PMP_SUCCESS,
  parseExternalAddressResponse,
} from "./nat-pmp.js";

export interface NatPmpQueryOptions {
  /** Wait for the first answer; RFC 6886 starts at 250 ms and doubles it on every retransmission. */
  readonly timeoutMs?: number;
  /** Retransmissions after the first request. */
  readonly retries?: number;
  /** The router's NAT-PMP port; only tests change it. */
  readonly port?: number;
}

/**
 * The router's external IPv4 address, or undefined when it does not answer in time, answers with a non-zero
 * result code or 0.0.0.0, or the socket fails. Answers from anyone but gateway:port are ignored (RFC 6886 3.1).
 */
export function queryExternalAddress(
  gateway: string,
  { timeoutMs = 250, retries = 1, port = NAT_PMP_PORT }: NatPmpQueryOptions = {},
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    const request = emitExternalAddressRequest();
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (address: string | undefined): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      resolve(address);
    };
    const send = (attempt: number): void => {
      try {
        socket.send(request, port, gateway, (error) => {
          if (error) finish(undefined);
        });
      } catch {
        finish(undefined); // a port or address node refuses outright
        return;
      }
      timer = setTimeout(
        () => (attempt < retries ? send(attempt + 1) : finish(undefined)),
        timeoutMs * 2 ** attempt,
      );
    };
    socket.on("error", () => finish(undefined));
    socket.on("message", (message: Buffer, from: RemoteInfo) => {
      if (from.address !== gateway || from.port !== port) return;
      const response = parseExternalAddressResponse(message);
      if (!response.ok) return;
      const { resultCode, externalAddress } = response.value;
      finish(resultCode === NAT_PMP_SUCCESS && externalAddress !== "0.0.0.0" ? externalAddress : undefined);
    });
    send(0);
  });
}
