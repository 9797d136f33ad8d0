/** The pure parts of reaching a relay: its URL, the proxy environment, the certificate pin. */
import { describe, expect, it } from "vitest";
import { proxyFor } from "../../src/client/proxy-connect.js";
import { parseRelayUrl } from "../../src/client/relay-url.js";
import { normalizeFingerprint } from "../../src/client/tls-trust.js";

const relay = new URL("wss://relay.corp.example.com/ferry");

function proxyHref(url: URL, env: NodeJS.ProcessEnv): string | undefined {
  const result = proxyFor(url, env);
  if (!result.ok) throw new Error(result.error.message);
  return result.value?.href;
}

describe("proxyFor", () => {
  it("uses HTTPS_PROXY or https_proxy, adding http:// when the scheme is missing", () => {
    expect(proxyHref(relay, { HTTPS_PROXY: "http://proxy:3128" })).toBe("http://proxy:3128/");
    expect(proxyHref(relay, { https_proxy: "proxy.corp:8080" })).toBe("http://proxy.corp:8080/");
    expect(proxyHref(relay, {})).toBeUndefined();
    expect(proxyHref(relay, { HTTPS_PROXY: "  " })).toBeUndefined();
  });

  it("ignores HTTP_PROXY and ALL_PROXY, and proxies only wss://", () => {
    expect(proxyHref(relay, { HTTP_PROXY: "http://p:1", ALL_PROXY: "http://p:2" })).toBeUndefined();
    expect(proxyHref(new URL("ws://127.0.0.1:8080/ferry"), { HTTPS_PROXY: "http://p:1" })).toBeUndefined();
  });

  it.each([
    ["*", true],
    ["relay.corp.example.com", true],
    ["RELAY.CORP.EXAMPLE.COM", true],
    ["corp.example.com", true],
    [".example.com", true],
    ["*.example.com", true],
    ["other.example, example.com:443", true],
    ["example.com:8443", false],
    ["lay.corp.example.com", false],
    ["example.org", false],
    ["", false],
  ])("NO_PROXY %j bypasses the proxy: %s", (noProxy, bypass) => {
    const href = proxyHref(relay, { HTTPS_PROXY: "http://proxy:3128", NO_PROXY: noProxy });
    expect(href === undefined).toBe(bypass);
    expect(proxyHref(relay, { HTTPS_PROXY: "http://proxy:3128", no_proxy: noProxy }) === undefined).toBe(
      bypass,
    );
  });

  it("matches IP literals in NO_PROXY exactly", () => {
    const env = { HTTPS_PROXY: "http://proxy:3128", NO_PROXY: "127.0.0.1,::1" };
    expect(proxyHref(new URL("wss://127.0.0.1:9000/ferry"), env)).toBeUndefined();
    expect(proxyHref(new URL("wss://[::1]:9000/ferry"), env)).toBeUndefined();
    expect(proxyHref(new URL("wss://127.0.0.2:9000/ferry"), env)).toBe("http://proxy:3128/");
  });

  it("refuses proxies it cannot speak to, without echoing credentials", () => {
    const result = proxyFor(relay, { HTTPS_PROXY: "https://user:secret@proxy:443" });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "PROXY_FAILED", detail: { proxy: "https://proxy:443" } },
    });
    expect(JSON.stringify(result)).not.toContain("secret");
    expect(proxyFor(relay, { HTTPS_PROXY: "http://" })).toMatchObject({ ok: false });
  });
});

describe("parseRelayUrl", () => {
  it("fills in port 443 and the /ferry path", () => {
    const result = parseRelayUrl("wss://relay.example.com");
    expect(result).toMatchObject({ ok: true, value: { host: "relay.example.com", port: 443, secure: true } });
    if (result.ok) expect(result.value.url.href).toBe("wss://relay.example.com/ferry");
  });

  it("keeps an explicit port and path, and unwraps IPv6 literals", () => {
    expect(parseRelayUrl("wss://[2001:db8::1]:8443/x/y")).toMatchObject({
      ok: true,
      value: { host: "2001:db8::1", port: 8443 },
    });
  });

  it("allows ws:// only to loopback", () => {
    expect(parseRelayUrl("ws://127.0.0.1:8080/ferry")).toMatchObject({
      ok: true,
      value: { secure: false, port: 8080 },
    });
    expect(parseRelayUrl("ws://localhost/ferry")).toMatchObject({ ok: true, value: { port: 80 } });
    expect(parseRelayUrl("ws://[::1]:1/ferry")).toMatchObject({ ok: true });
    expect(parseRelayUrl("ws://relay.example.com/ferry")).toMatchObject({
      ok: false,
      error: { code: "USAGE" },
    });
    expect(parseRelayUrl("ws://10.0.0.1/ferry")).toMatchObject({ ok: false, error: { code: "USAGE" } });
  });

  it.each(["https://relay.example.com/", "relay.example.com", "wss://user:token@relay.example.com/"])(
    "refuses %s",
    (text) => {
      expect(parseRelayUrl(text)).toMatchObject({ ok: false, error: { code: "USAGE" } });
    },
  );
});

describe("normalizeFingerprint", () => {
  const colons = Array.from({ length: 32 }, (_, i) =>
    (i * 7).toString(16).padStart(2, "0").toUpperCase(),
  ).join(":");

  it("accepts hex with or without colons, in any case, as Node's fingerprint256 form", () => {
    expect(normalizeFingerprint(colons)).toBe(colons);
    expect(normalizeFingerprint(colons.replace(/:/g, "").toLowerCase())).toBe(colons);
    expect(normalizeFingerprint(` ${colons.toLowerCase()} `)).toBe(colons);
  });

  it.each(["", "AB:CD", `${"0".repeat(62)}zz`, "0".repeat(66)])("refuses %j", (text) => {
    expect(normalizeFingerprint(text)).toBeUndefined();
  });
});
