/**
 * The checklist's first two checks, on the PPTP control channel: whether TCP 1723 connects, then whether the server
 * opens a control connection and accepts a call on it.
 */
import { capitalize, finding, type Rule, skip, TITLES } from "./finding.js";
import { USE_RELAY } from "./fix-advice.js";
import type { ReplyFailure } from "./observations.js";

export const tcp1723: Rule = (o) => {
  const tcp = o.tcp;
  if (tcp === undefined) return undefined;
  const id = "tcp-1723";
  const title = TITLES[id];
  const target = `${o.server}${o.address === undefined || o.address === o.server ? "" : ` (${o.address})`}`;
  const data = { outcome: tcp.outcome, elapsedMs: tcp.elapsedMs };
  switch (tcp.outcome) {
    case "connected":
      return [
        finding(
          id,
          "ok",
          title,
          `The TCP handshake with ${target} on port 1723 completed in ${tcp.elapsedMs} ms.`,
          undefined,
          data,
        ),
      ];
    case "unresolved":
      return [
        finding(
          id,
          "fail",
          title,
          `The name ${o.server} did not resolve to an IPv4 address (${tcp.error}).`,
          "Check the server name in the profile and that DNS works on this network; PPTP runs over IPv4 only.",
          data,
        ),
      ];
    case "refused":
      return [
        finding(
          id,
          "fail",
          title,
          `${target} refused TCP port 1723: the connection attempt was answered with a reset (${tcp.error}).`,
          "Nothing listens on TCP 1723 there, or a firewall rejects it. Check the server address and that the " +
            "PPTP server (pptpd) is running; its firewall must accept TCP 1723 (iptables -A INPUT -p tcp --dport " +
            "1723 -m state --state NEW,ESTABLISHED -j ACCEPT), and a server behind NAT needs TCP 1723 forwarded.",
          data,
        ),
      ];
    case "timeout":
      return [
        finding(
          id,
          "fail",
          title,
          `Nothing answered the connection attempt to ${target} on TCP 1723 within ${tcp.elapsedMs} ms: ` +
            "something on the way drops it silently.",
          "Allow TCP 1723 out of this network and into the server (forwarded to it if it sits behind NAT). " +
            `A network that only lets web traffic out cannot do direct PPTP: ${USE_RELAY}`,
          data,
        ),
      ];
    case "no-route":
      return [
        finding(
          id,
          "fail",
          title,
          `There is no route to ${target} (${tcp.error}).`,
          "Check this computer's network connection and the server address.",
          data,
        ),
      ];
    case "error":
      return [
        finding(
          id,
          "fail",
          title,
          `Connecting to ${target} on TCP 1723 failed (${tcp.error}).`,
          "Check this computer's network connection and the server address.",
          data,
        ),
      ];
  }
};

function replyFailure(failure: ReplyFailure, request: string): string {
  switch (failure.outcome) {
    case "no-reply":
      return `the server did not answer the ${request} within ${failure.waitedMs} ms`;
    case "closed":
      return `the server closed the connection instead of answering the ${request}${failure.error === undefined ? "" : ` (${failure.error})`}`;
    case "garbled":
      return `what came back on TCP 1723 is not PPTP (${failure.reason})`;
  }
}

const CONTROL_FIX =
  "Check that the address is the PPTP server's, and the server's logs. A firewall, IDS or deep-packet " +
  "inspection that interferes with the TCP 1723 session shows up here: review its logs for resets or drops on " +
  "TCP 1723, and bypass inspection for the PPTP flow to test.";

export const controlConnection: Rule = (o) => {
  const id = "control-connection";
  const title = TITLES[id];
  if (o.tcp === undefined) return undefined;
  if (o.tcp.outcome !== "connected") return [skip(id, title, "Not tried: TCP 1723 did not connect.")];
  const control = o.control;
  if (control === undefined) return undefined;
  if (control.outcome !== "answered") {
    const why = replyFailure(control, "Start-Control-Connection-Request");
    return [finding(id, "fail", title, `TCP 1723 connected, but ${why}.`, CONTROL_FIX)];
  }
  if (control.resultCode !== 1) {
    return [
      finding(
        id,
        "fail",
        title,
        `The server refused the control connection: Start-Control-Connection-Reply result code ` +
          `${control.resultCode}, error code ${control.errorCode} (RFC 2637 section 2.2).`,
        "Check the PPTP server's logs. Result code 3 means another PPTP client behind the same NAT address is " +
          "already connected; 4 means this client's address is not allowed.",
        { resultCode: control.resultCode, errorCode: control.errorCode },
      ),
    ];
  }
  const server = `the server (host "${control.hostName}", vendor "${control.vendorName}")`;
  const call = o.call;
  if (call === undefined) return undefined;
  if (call.outcome !== "answered") {
    const why = replyFailure(call, "Outgoing-Call-Request");
    return [
      finding(id, "fail", title, `The control connection to ${server} came up, but ${why}.`, CONTROL_FIX),
    ];
  }
  if (call.resultCode !== 1) {
    return [
      finding(
        id,
        "fail",
        title,
        `The control connection to ${server} came up, but the server refused the call: Outgoing-Call-Reply ` +
          `result code ${call.resultCode}, error code ${call.errorCode}, cause code ${call.causeCode}.`,
        "Check the PPTP server's logs: it may have no free calls or addresses, or refuse this client.",
        { resultCode: call.resultCode, errorCode: call.errorCode, causeCode: call.causeCode },
      ),
    ];
  }
  return [
    finding(
      id,
      "ok",
      title,
      `${capitalize(server)} answered the Start-Control-Connection-Request and accepted an Outgoing-Call-Request.`,
      undefined,
      { hostName: control.hostName, vendorName: control.vendorName, serverCallId: call.serverCallId },
    ),
  ];
};
