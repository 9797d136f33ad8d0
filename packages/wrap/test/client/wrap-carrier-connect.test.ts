/**
 * Reaching a relay on loopback for real: TLS verification by CA file, pin and system store; the web proxy and
 * NO_PROXY; version negotiation. A refused certificate must stop the client before it sends a single frame.
 */
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CarrierHarness, SERVER, TOKEN } from "./fixtures/carrier-harness.js";
import { RELAY_SESSION_ID } from "./fixtures/fake-relay.js";
import { makeTestCerts, type TestCerts } from "./fixtures/test-certs.js";

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.remove());

const harness = new CarrierHarness();
afterEach(() => harness.cleanup());

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("TLS trust", () => {
  it("a CA file accepts the relay it signed; hello carries server and token; welcome is exposed", async () => {
    const relay = await harness.relay({ tls: certs.relay });
    const progress: string[] = [];
    const carrier = await harness.openOk({
      relayUrl: relay.url(),
      trust: { kind: "ca", caFile: certs.caFile },
      onProgress: (event) => progress.push(event.type),
    });
    expect(carrier.transport).toBe("wrap");
    expect(carrier.outerAddress).toBe("127.0.0.1");
    expect(carrier.welcome).toEqual({
      observedAddress: "127.0.0.1",
      relayAddress: "",
      sessionId: RELAY_SESSION_ID,
    });
    expect(relay.hellos).toEqual([{ type: "hello", server: SERVER, token: TOKEN }]);
    expect(progress).toEqual([
      "relay-connecting",
      "relay-tcp-connected",
      "relay-tls-verified",
      "relay-upgraded",
      "relay-hello-sent",
    ]);
  });

  it("a CA file also checks the host name", async () => {
    const relay = await harness.relay({ tls: certs.relay });
    await expect(
      harness.open({ relayUrl: relay.url("localhost"), trust: { kind: "ca", caFile: certs.caFile } }),
    ).resolves.toMatchObject({ ok: true });
    const other = await harness.relay({ tls: certs.otherName });
    const result = await harness.open({ relayUrl: other.url(), trust: { kind: "ca", caFile: certs.caFile } });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "RELAY_TLS_FAILED", detail: { tlsError: "ERR_TLS_CERT_ALTNAME_INVALID" } },
    });
    if (!result.ok) expect(result.error.message).toContain("not issued for 127.0.0.1");
    expect(other.hellos).toEqual([]);
  });

  it("a relay URL with an IP address is checked against the certificate's IP address", async () => {
    const relay = await harness.relay({ tls: certs.addressOnly });
    const trust = { kind: "ca", caFile: certs.caFile } as const;
    await expect(harness.open({ relayUrl: relay.url(), trust })).resolves.toMatchObject({ ok: true });
    const byName = await harness.open({ relayUrl: relay.url("localhost"), trust });
    expect(byName).toMatchObject({
      ok: false,
      error: { detail: { tlsError: "ERR_TLS_CERT_ALTNAME_INVALID" } },
    });
  });

  it("a CA file rejects a relay it did not sign, before any frame is sent", async () => {
    const relay = await harness.relay({ tls: certs.rogue });
    const result = await harness.open({ relayUrl: relay.url(), trust: { kind: "ca", caFile: certs.caFile } });
    expect(result).toMatchObject({ ok: false, error: { code: "RELAY_TLS_FAILED" } });
    if (!result.ok) expect(result.error.message).toContain("self-signed");
    expect(relay.connections).toEqual([]);
  });

  it("a CA file that cannot be read is a TLS failure naming it", async () => {
    const relay = await harness.relay({ tls: certs.relay });
    const result = await harness.open({
      relayUrl: relay.url(),
      trust: { kind: "ca", caFile: `${certs.caFile}.missing` },
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "RELAY_TLS_FAILED", detail: { errno: "ENOENT" } },
    });
  });

  it("a pinned fingerprint accepts exactly that certificate, whatever its chain and name", async () => {
    const rogue = await harness.relay({ tls: certs.rogue });
    const pin = certs.rogue.fingerprint256.replace(/:/g, "").toLowerCase();
    await expect(
      harness.open({ relayUrl: rogue.url(), trust: { kind: "fingerprint", sha256: pin } }),
    ).resolves.toMatchObject({ ok: true });
    const other = await harness.relay({ tls: certs.otherName });
    await expect(
      harness.open({
        relayUrl: other.url(),
        trust: { kind: "fingerprint", sha256: certs.otherName.fingerprint256 },
      }),
    ).resolves.toMatchObject({ ok: true });
  });

  it("a pinned fingerprint rejects any other certificate and shows the one seen", async () => {
    const relay = await harness.relay({ tls: certs.rogue });
    const result = await harness.open({
      relayUrl: relay.url(),
      trust: { kind: "fingerprint", sha256: certs.relay.fingerprint256 },
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "RELAY_TLS_FAILED", detail: { seen: certs.rogue.fingerprint256 } },
    });
    if (!result.ok) expect(result.error.message).toContain(certs.rogue.fingerprint256);
    expect(relay.hellos).toEqual([]);
  });

  it("the system store rejects a self-signed relay", async () => {
    const relay = await harness.relay({ tls: certs.rogue });
    const result = await harness.open({ relayUrl: relay.url(), trust: { kind: "system" } });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "RELAY_TLS_FAILED", detail: { tlsError: "DEPTH_ZERO_SELF_SIGNED_CERT" } },
    });
    expect(relay.connections).toEqual([]);
  });
});

describe("web proxy", () => {
  it("goes through HTTPS_PROXY with HTTP CONNECT and Basic credentials", async () => {
    const relay = await harness.relay({ tls: certs.relay });
    const proxy = await harness.proxy();
    const proxyUrl = proxy.url.replace("http://", "http://alice:pa%3Ass@");
    const carrier = await harness.openOk({
      relayUrl: relay.url(),
      trust: { kind: "ca", caFile: certs.caFile },
      env: { HTTPS_PROXY: proxyUrl },
    });
    expect(proxy.requests).toEqual([
      {
        target: `127.0.0.1:${relay.port}`,
        authorization: `Basic ${Buffer.from("alice:pa:ss").toString("base64")}`,
      },
    ]);
    expect(carrier.outerAddress).toBe("127.0.0.1");
    expect(relay.hellos).toHaveLength(1);
  });

  it("connects directly to hosts NO_PROXY names", async () => {
    const relay = await harness.relay({ tls: certs.relay });
    const proxy = await harness.proxy();
    await harness.openOk({
      relayUrl: relay.url(),
      trust: { kind: "ca", caFile: certs.caFile },
      env: { https_proxy: proxy.url, no_proxy: "example.com, 127.0.0.1" },
    });
    expect(proxy.requests).toEqual([]);
  });

  it("a proxy that refuses CONNECT is PROXY_FAILED with its status line and what to ask IT", async () => {
    const relay = await harness.relay({ tls: certs.relay });
    const proxy = await harness.proxy("403 Forbidden");
    const result = await harness.open({
      relayUrl: relay.url(),
      trust: { kind: "ca", caFile: certs.caFile },
      env: { HTTPS_PROXY: proxy.url },
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "PROXY_FAILED", detail: { statusLine: "HTTP/1.1 403 Forbidden", status: 403 } },
    });
    if (!result.ok) expect(result.error.hint).toContain(`allow port ${relay.port}`);
    expect(relay.connections).toEqual([]);
  });

  it("a proxy that asks for credentials says how to give them", async () => {
    const relay = await harness.relay({ tls: certs.relay });
    const proxy = await harness.proxy("407 Proxy Authentication Required");
    const result = await harness.open({ relayUrl: relay.url(), env: { HTTPS_PROXY: proxy.url } });
    expect(result).toMatchObject({ ok: false, error: { code: "PROXY_FAILED", detail: { status: 407 } } });
    if (!result.ok) expect(result.error.hint).toContain("http://user:password@proxy:port");
  });

  it("a proxy that is not there is PROXY_FAILED", async () => {
    const relay = await harness.relay({ tls: certs.relay });
    const result = await harness.open({
      relayUrl: relay.url(),
      env: { HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}` },
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "PROXY_FAILED", detail: { errno: "ECONNREFUSED" } },
    });
  });
});

describe("reaching the relay", () => {
  it("a relay that is not there is RELAY_UNREACHABLE", async () => {
    const result = await harness.open({ relayUrl: `wss://127.0.0.1:${await closedPort()}/ferry` });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "RELAY_UNREACHABLE", detail: { errno: "ECONNREFUSED" } },
    });
  });

  it("a server that is not a relay (HTTP 404) is RELAY_UNREACHABLE with the status", async () => {
    const relay = await harness.relay({ tls: certs.relay, upgrade: "404" });
    const result = await harness.open({ relayUrl: relay.url(), trust: { kind: "ca", caFile: certs.caFile } });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "RELAY_UNREACHABLE", detail: { httpStatus: 404 } },
    });
  });

  it("HTTP 426 is a version mismatch worded as PROTOCOL.md section 2 says", async () => {
    const relay = await harness.relay({ tls: certs.relay, upgrade: "426" });
    const result = await harness.open({ relayUrl: relay.url(), trust: { kind: "ca", caFile: certs.caFile } });
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: "RELAY_VERSION_MISMATCH",
        message: "The relay speaks ferry.v2; this Ferry speaks ferry.v1.",
        hint: "Update Ferry, or ask the relay's administrator to enable ferry.v1.",
      },
    });
  });

  it("an upgrade that chose no subprotocol is a version mismatch", async () => {
    const relay = await harness.relay({ upgrade: "no-subprotocol" });
    const result = await harness.open({ relayUrl: relay.url() });
    expect(result).toMatchObject({ ok: false, error: { code: "RELAY_VERSION_MISMATCH" } });
    expect(relay.hellos).toEqual([]);
  });

  it("refuses a server name hello cannot carry, without connecting", async () => {
    const relay = await harness.relay();
    const result = await harness.open({ relayUrl: relay.url(), server: "bad name!" });
    expect(result).toMatchObject({ ok: false, error: { code: "USAGE" } });
    expect(relay.connections).toEqual([]);
  });
});
