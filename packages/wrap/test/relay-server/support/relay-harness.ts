/**
 * A relay on loopback for I/O tests: TLS with a throwaway PKI, a fake PPTP server, the in-process GRE network, a
 * test resolver and a log kept in memory; clients it connects are closed by cleanup().
 */
import { emitControlMessage } from "@ferry/pptp-client/wire";
import { expect } from "vitest";
import { Allowlist } from "../../../src/relay/allowlist.js";
import { TokenSet } from "../../../src/relay/relay-tokens.js";
import type { RelayOptions } from "../../../src/relay-server/relay-options.js";
import { type RunningRelay, startRelay } from "../../../src/relay-server/relay-server.js";
import { ocrq, sccrq } from "../../relay/relay-fixtures.js";
import { FakeGreNetwork } from "./fake-gre-network.js";
import { FakePptpServer } from "./fake-pptp-server.js";
import { RelayClient } from "./relay-client.js";
import { makeTestPki, type TestPki } from "./tls.js";

export const TOKEN = "relay-test-token";
export const SERVER = "127.0.0.1";
/** Allowed, but nothing listens there: connects are refused. */
export const DEAD_SERVER = "127.0.0.2";

export interface Network {
  /** Where the fake PPTP server listens (default SERVER). */
  readonly pacHost?: string;
  /** The relay's allowlist (default SERVER, DEAD_SERVER and pptp.test). */
  readonly allow?: readonly string[];
  /** Names the test resolver knows (dotted quads resolve to themselves). */
  readonly names?: Readonly<Record<string, string>>;
}

export interface ConnectOptions {
  readonly protocols?: string[];
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly localAddress?: string;
}

export class RelayHarness {
  private testPki: TestPki | undefined;
  pac!: FakePptpServer;
  gre!: FakeGreNetwork;
  relay: RunningRelay | undefined;
  readonly clients: RelayClient[] = [];
  readonly logLines: string[] = [];

  /** For beforeAll: certificates for the whole file. */
  makePki(): void {
    this.testPki = makeTestPki();
  }

  /** For afterAll. */
  removePki(): void {
    this.testPki?.remove();
  }

  get pki(): TestPki {
    if (this.testPki === undefined) throw new Error("makePki() first");
    return this.testPki;
  }

  /** For afterEach: closes clients, the relay and the fake server. */
  async cleanup(): Promise<void> {
    for (const c of this.clients.splice(0)) c.close();
    await this.relay?.shutdown({ drainMs: 0 });
    this.relay = undefined;
    await this.pac?.close();
    this.logLines.length = 0;
  }

  async start(
    options: Partial<RelayOptions> = {},
    probes: "open" | "refused" | "none" = "none",
    network: Network = {},
  ): Promise<RunningRelay> {
    this.pac = await FakePptpServer.start(network.pacHost ?? SERVER);
    this.gre = new FakeGreNetwork(probes);
    const tokens = TokenSet.of([TOKEN]);
    const allow = Allowlist.parse(network.allow ?? [SERVER, DEAD_SERVER, "pptp.test"]);
    if (!tokens.ok || !allow.ok) throw new Error("bad test configuration");
    const names: Readonly<Record<string, string>> = network.names ?? { "pptp.test": SERVER };
    this.relay = await startRelay({
      listen: { host: "127.0.0.1", port: 0 },
      metrics: { host: "127.0.0.1", port: 0 },
      cert: this.pki.server.cert,
      key: this.pki.server.key,
      tokens: tokens.value,
      allow: allow.value,
      serverPort: this.pac.port,
      greNetwork: this.gre,
      resolve: async (name) => names[name] ?? (/^[\d.]+$/.test(name) ? name : undefined),
      log: (event, fields) => this.logLines.push(`${event} ${JSON.stringify(fields ?? {})}`),
      ...options,
    });
    return this.relay;
  }

  url(r: RunningRelay): string {
    return `wss://127.0.0.1:${r.address().port}/ferry`;
  }

  async connect(r: RunningRelay, options: ConnectOptions = {}): Promise<RelayClient> {
    const client = await RelayClient.connect(this.url(r), { ca: this.pki.server.cert, ...options });
    this.clients.push(client);
    return client;
  }

  /** A client welcomed by the relay, with a PPTP call up through it. */
  async withCall(r: RunningRelay, clientCallId: number, options: ConnectOptions = {}) {
    const client = await this.connect(r, options);
    client.sendRelay({ type: "hello", server: SERVER, token: TOKEN });
    const welcome = await client.message("welcome");
    client.sendControl(emitControlMessage(sccrq));
    await client.until(
      () => client.control.find((m) => m.type === "start-control-connection-reply"),
      "SCCRP",
    );
    client.sendControl(emitControlMessage(ocrq(clientCallId)));
    const reply = await client.until(
      () => client.control.find((m) => m.type === "outgoing-call-reply"),
      "outgoing-call-reply",
    );
    return { client, welcome, reply };
  }

  /** The relay's /metrics text. */
  async metrics(r: RunningRelay): Promise<string> {
    return (await httpGet(r.metricsAddress()!.port, "/metrics")).body;
  }
}

export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

/** Expects the relay to refuse with `code`: the error frame and the close status 4000 + code. */
export async function expectRefusal(client: RelayClient, code: string, status: number): Promise<void> {
  const closed = await client.closed;
  expect(closed.code).toBe(status);
  expect(client.relayMessages()).toContainEqual(expect.objectContaining({ type: "error", code }));
}
