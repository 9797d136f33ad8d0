/**
 * PEER_DEAD told by what still answered when LCP echoes over GRE stopped coming back: the PPTP echo on TCP 1723 says
 * whether the server itself is gone or only the GRE path to it broke.
 */
import { type FerryError, ferryError } from "../errors.js";

/** Neither GRE nor TCP 1723 answers: the server (or the whole path to it) is gone. */
export function serverSilentError(unansweredEchoes: number, pptpEchoTimeoutMs: number): FerryError {
  return ferryError(
    "PEER_DEAD",
    `The server stopped answering: no reply to ${unansweredEchoes === 1 ? "an LCP echo" : `${unansweredEchoes} LCP echoes`} over GRE, nor within ${pptpEchoTimeoutMs / 1000} s to a PPTP echo on TCP 1723.`,
    "The server or the network path to it went down; reconnect once it answers again.",
    { unansweredEchoes, pptpEchoTimeoutMs, pptpEchoAnswered: false },
  );
}

/**
 * The server answered on TCP 1723 while LCP echoes kept going unanswered: it is alive, its GRE does not reach us. A
 * NAT that forgot the call (conntrack flushed, router restarted) keeps passing TCP by loose tracking but has lost the
 * GRE mapping, which only a new call sets up again.
 */
export function greLostError(peerDead: FerryError): FerryError {
  return ferryError(
    "PEER_DEAD",
    "The server answers on TCP 1723 but no GRE comes back: the NAT lost the GRE mapping; reconnecting makes a new call.",
    "Reconnect: a new call sets up a new GRE mapping. If it keeps happening, the NAT router on the path drops its GRE state (a PPTP helper or GRE timeout to check, or a router restarting).",
    { ...peerDead.detail, pptpEchoAnswered: true },
  );
}
