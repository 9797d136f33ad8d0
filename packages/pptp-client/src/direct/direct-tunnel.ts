import { lookup } from "node:dns/promises";
import { ferryError } from "../errors.js";
import { failed, type IoResult, opened } from "../io/io-result.js";
import { openTunnel, type Tunnel, type TunnelOptions } from "../tunnel/tunnel.js";
import { openDirectCarrier } from "./direct-carrier.js";

export interface DirectTunnelOptions extends TunnelOptions {
  /** Host name or IPv4 address of the PPTP server. */
  readonly server: string;
  readonly connectTimeoutMs?: number;
}

/** Direct mode: the PPTP session on TCP 1723 and raw GRE to the server, IP packets on a TUN device. */
export function openDirectTunnel(options: DirectTunnelOptions): Promise<IoResult<Tunnel, string>> {
  return openTunnel(options, async () => {
    const address = await resolveServer(options.server);
    if (!address.ok) return address;
    options.onEvent({ type: "resolved", server: options.server, address: address.value });
    const carrier = await openDirectCarrier(address.value, options.connectTimeoutMs ?? 10_000);
    if (carrier.ok) options.onEvent({ type: "tcp-connected", server: address.value });
    return carrier;
  });
}

/** The server's IPv4 address (PPTP runs over IPv4 only). */
export async function resolveServer(server: string): Promise<IoResult<string>> {
  try {
    return opened((await lookup(server, { family: 4 })).address);
  } catch (cause) {
    return failed(
      ferryError(
        "SERVER_UNREACHABLE",
        `The name ${server} could not be resolved to an IPv4 address.`,
        "Check the spelling of the server name and that DNS works on this network (PPTP runs over IPv4 only).",
        { server },
        cause,
      ),
    );
  }
}
