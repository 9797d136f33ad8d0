/** The bench's fixed set-up, shared by the attackers, the honest client and the table's header. */

/** The fake PPTP server's address: not the relay's own 127.0.0.1, which open-proxy attackers aim at. */
export const PAC = "127.0.0.3";
export const GRE_PACKET_BYTES = 1400;
/** How many GRE packets the honest client keeps in flight through the relay. */
export const GRE_WINDOW = 32;
/** The honest client starts a connect at most this often: 10 a second, well within the relay's rate per address. */
export const CONNECT_EVERY_MS = 100;
