/**
 * The relay URL from the profile (PROTOCOL.md section 1): wss://host[:port]/path, by default port 443 and path
 * /ferry. Plain ws:// exists for loopback tests only, so a typo can never send the session unencrypted.
 */
import { isIPv4 } from "node:net";
import { failed, type IoResult, opened } from "@ferry/pptp-client/tunnel";
import { type WrapErrorCode, wrapError } from "../errors.js";

export const DEFAULT_RELAY_PATH = "/ferry";

export interface RelayTarget {
  /** The URL the WebSocket upgrade asks for, with the default path filled in. */
  readonly url: URL;
  /** The host name or address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  /** False only for ws:// to loopback. */
  readonly secure: boolean;
}

export function parseRelayUrl(text: string): IoResult<RelayTarget, WrapErrorCode> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return failed(badUrl(`The relay URL ${JSON.stringify(text)} is not a URL.`));
  }
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const secure = url.protocol === "wss:";
  if (!secure && url.protocol !== "ws:") return failed(badUrl(`The relay URL ${text} is not a wss:// URL.`));
  if (!secure && !isLoopback(host))
    return failed(
      badUrl(`The relay URL ${text} is unencrypted (ws://), which is only allowed to this computer.`),
    );
  if (url.username !== "" || url.password !== "")
    return failed(
      badUrl("The relay URL carries credentials; the relay token belongs in the profile's token field."),
    );
  if (url.pathname === "/") url.pathname = DEFAULT_RELAY_PATH;
  return opened({ url, host, port: Number(url.port) || (secure ? 443 : 80), secure });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIPv4(host) && host.startsWith("127."));
}

function badUrl(message: string) {
  return wrapError(
    "USAGE",
    message,
    "Use the relay URL IT gave you, of the form wss://relay.example.com/ferry.",
  );
}
