/** The /etc/resolv.conf Ferry writes when systemd-resolved is not there to take per-link DNS. */

export const RESOLV_CONF_PATH = "/etc/resolv.conf";

/** What the resolver file holds before the tunnel comes up; null when there is none. */
export interface ResolvConfState {
  readonly path: string;
  readonly original: string | null;
}

/** The first line of every file Ferry writes, so a person finding it knows where it came from. */
export function resolvConfBanner(ifname: string): string {
  return `# Written by Ferry for the VPN interface ${ifname}; the previous content returns when the tunnel closes.`;
}

/**
 * The tunnel's name servers first; the original's search, domain and options lines kept, since they
 * describe this host rather than the network it reaches names through.
 */
export function renderResolvConf(ifname: string, dns: readonly string[], original: string | null): string {
  const kept = (original ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^(search|domain|options)\s/.test(line));
  return `${[resolvConfBanner(ifname), ...dns.map((server) => `nameserver ${server}`), ...kept].join("\n")}\n`;
}
