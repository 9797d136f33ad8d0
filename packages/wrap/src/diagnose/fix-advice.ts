/** The fixes several findings give, worded once so every finding says them the same way. */

/** Lower case: it ends sentences ("... or use Ferry's relay"); capitalize() it to stand alone. */
export const USE_RELAY =
  "use Ferry's relay (transport wrap, or auto, which falls back by itself): it carries the PPTP session inside " +
  "TLS on port 443, which needs no GRE and also hides the weak PPTP encryption from the network.";
export const ALLOW_GRE =
  "Allow IP protocol 47 (GRE) as well as TCP 1723 on every firewall on the path (iptables -A FORWARD -p gre " +
  "-m state --state ESTABLISHED,RELATED -j ACCEPT; on a Cisco ASA permit tcp/1723 and ip protocol 47 or enable " +
  'PPTP inspection), and enable "PPTP passthrough" on the home router.';
export const LOAD_HELPER =
  "On a Linux NAT gateway, load the PPTP connection-tracking helpers: modprobe nf_conntrack_pptp; modprobe " +
  "nf_nat_pptp. A router without passthrough needs new firmware or replacing.";
