/**
 * Reaching the relay through a web proxy: offices that allow nothing but a proxy still allow HTTP CONNECT to
 * port 443. The proxy comes from HTTPS_PROXY / https_proxy, NO_PROXY / no_proxy names hosts to reach directly,
 * the way curl reads them (host suffixes, `*` for all; no CIDR ranges).
 */
import { request } from "node:http";
import { isIP, isIPv6, type Socket } from "node:net";
import { failed, type IoResult, opened } from "@ferry/pptp-client/tunnel";
import { type WrapErrorCode, wrapError } from "../errors.js";

/**
 * The proxy to use for `url`, undefined to connect directly. Only wss:// URLs use HTTPS_PROXY (ws:// is for
 * loopback tests). An HTTPS_PROXY that is not an http:// URL is PROXY_FAILED: TLS to the proxy is not supported.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): IoResult<URL | undefined, WrapErrorCode> {
  if (url.protocol !== "wss:") return opened(undefined);
  const setting = (env.HTTPS_PROXY || env.https_proxy || "").trim();
  if (setting === "" || bypassesProxy(url, env.NO_PROXY ?? env.no_proxy ?? "")) return opened(undefined);
  const proxy = parseProxyUrl(setting);
  if (proxy === undefined)
    return failed(
      wrapError(
        "PROXY_FAILED",
        "HTTPS_PROXY is not an http:// proxy URL Ferry can use.",
        "Set HTTPS_PROXY to http://proxy:port (or http://user:password@proxy:port), or unset it.",
        { proxy: withoutCredentials(setting) },
      ),
    );
  return opened(proxy);
}

function parseProxyUrl(setting: string): URL | undefined {
  try {
    const proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(setting) ? setting : `http://${setting}`);
    return proxy.protocol === "http:" && proxy.hostname !== "" ? proxy : undefined;
  } catch {
    return undefined;
  }
}

/** True when NO_PROXY names the URL's host: `*`, the host itself, or a domain it is in (optionally with a port). */
function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = bareHost(url.hostname).toLowerCase();
  const port = url.port || "443";
  return noProxy
    .split(/[\s,]+/)
    .map((entry) => noProxyEntry(entry.toLowerCase()))
    .some((entry) => {
      if (entry === undefined || (entry.port !== undefined && entry.port !== port)) return false;
      if (entry.name === "*") return true;
      const name = entry.name.replace(/^\*?\./, "");
      return name !== "" && (host === name || host.endsWith(`.${name}`));
    });
}

/** `name`, `name:port`, an IP address, or `[ipv6]:port`; undefined for what is none of these. */
function noProxyEntry(entry: string): { name: string; port?: string } | undefined {
  if (isIP(entry) !== 0) return { name: entry };
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(entry);
  if (match === null) return undefined;
  return match[2] === undefined ? { name: match[1]! } : { name: match[1]!, port: match[2] };
}

function bareHost(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function withoutCredentials(setting: string): string {
  return setting.replace(/\/\/[^@/]*@/, "//");
}

/** `host:port` as an HTTP authority (IPv6 literals in brackets). */
function authority(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A TCP socket to `host:port` tunnelled through `proxy` with HTTP CONNECT, ready for TLS. Credentials in the proxy
 * URL go in a Basic Proxy-Authorization header. Every failure is PROXY_FAILED, with the proxy's status line.
 */
export function connectThroughProxy(
  proxy: URL,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<IoResult<Socket, WrapErrorCode>> {
  const target = authority(host, port);
  const proxyName = `${bareHost(proxy.hostname)}:${proxy.port || "80"}`;
  const hasCredentials = proxy.username !== "";
  const headers: Record<string, string> = { Host: target };
  if (hasCredentials) {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers["Proxy-Authorization"] = `Basic ${Buffer.from(credentials).toString("base64")}`;
  }
  return new Promise((resolve) => {
    const fail = (message: string, hint: string, detail: Record<string, string | number>, cause?: unknown) =>
      resolve(failed(wrapError("PROXY_FAILED", message, hint, { proxy: proxyName, ...detail }, cause)));
    const connect = request({
      host: bareHost(proxy.hostname),
      port: proxy.port || 80,
      method: "CONNECT",
      path: target,
      headers,
      agent: false,
      timeout: timeoutMs,
    });
    connect.on("connect", (response, socket, head) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        socket.setTimeout(0);
        // The HTTP client let go of the socket; until TLS takes it over, an error must not go unheard (the
        // layers above see the close).
        socket.on("error", () => socket.destroy());
        if (head.length > 0) socket.unshift(head);
        resolve(opened(socket));
        return;
      }
      socket.destroy();
      const statusLine = `HTTP/${response.httpVersion} ${status} ${response.statusMessage ?? ""}`.trim();
      fail(
        `The web proxy ${proxyName} refused to connect to the relay at ${target} (${statusLine}).`,
        refusalHint(status, port, hasCredentials),
        { statusLine, status },
      );
    });
    connect.on("timeout", () => {
      connect.destroy();
      fail(
        `The web proxy ${proxyName} did not set up a connection to ${target} within ${timeoutMs} ms.`,
        "The proxy or the network is stalling; try again, or check HTTPS_PROXY.",
        {},
      );
    });
    connect.on("error", (error: NodeJS.ErrnoException) => {
      fail(
        `Could not talk to the web proxy ${proxyName} (${error.code ?? error.message}).`,
        "Check HTTPS_PROXY, or unset it if this network needs no proxy.",
        { errno: error.code ?? "unknown" },
        error,
      );
    });
    connect.end();
  });
}

function refusalHint(status: number, port: number, hasCredentials: boolean): string {
  if (status === 407)
    return hasCredentials
      ? "The proxy refused the credentials in HTTPS_PROXY; check the user name and password."
      : "The proxy wants credentials: set HTTPS_PROXY to http://user:password@proxy:port.";
  if (status === 403 || status === 405)
    return `The proxy does not allow CONNECT to port ${port}: ask IT to allow port ${port} (the relay's port) through the proxy.`;
  if (status === 502 || status === 503 || status === 504)
    return "The proxy could not reach the relay: check the relay URL in the profile, or try again later.";
  return "Check HTTPS_PROXY, or ask IT whether this proxy allows connections to the relay.";
}
