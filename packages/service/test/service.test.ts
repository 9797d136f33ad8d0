import { mkdtemp, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codedError } from "@ferry/pptp-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectService } from "../src/api/client.js";
import type { ProfileSummary, ServiceEvent } from "../src/api/protocol.js";
import { type ApiServer, startApiServer } from "../src/api/server.js";
import { staticProfileSource } from "../src/profiles/profile-source.js";
import { serviceHandlers } from "../src/service.js";
import { TunnelManager } from "../src/tunnel/tunnel-manager.js";
import { CONNECTED_DIRECT, PEER_DEAD, RELAY_CONNECTED } from "./tunnel/events.js";
import { fakeConnect, ManualScheduler, PROFILE, settle } from "./tunnel/fakes.js";

const SUMMARY: ProfileSummary = {
  id: "work",
  name: "Work",
  server: "vpn.example",
  userName: "alice",
  transport: "auto",
  managed: true,
  locked: ["server"],
  usesRelay: true,
  problems: [],
};
const BROKEN: ProfileSummary = {
  ...SUMMARY,
  id: "broken",
  problems: [{ path: "/routes/1", message: "not a CIDR" }],
};
const PASSWORD = "Corr3ct-H0rse-Battery";
const TOKEN = "relay-token-5a4b3c2d1e";

let dir: string;
let server: ApiServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fy-svc-"));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** ferryd's parts, wired as ferryd wires them, around a fake connect. */
async function service() {
  const scheduler = new ManualScheduler();
  const fake = fakeConnect();
  const wire: string[] = [];
  let api: ApiServer | undefined;
  const publish = (event: ServiceEvent) => {
    wire.push(JSON.stringify(event));
    api?.publish(event);
  };
  const tunnels = new TunnelManager({
    connect: fake.connect,
    configureFor: () => async () => ({ ok: true, value: async () => {} }),
    decisionsFile: join(dir, "decisions.json"),
    scheduler,
    onHealth: (health) => publish({ event: "health", health }),
    onLog: ({ at, line }) => publish({ event: "log", at, line }),
  });
  const profiles = staticProfileSource([
    { summary: SUMMARY, profile: PROFILE },
    { summary: BROKEN, profile: { ...PROFILE, id: "broken" } },
    {
      summary: { ...SUMMARY, id: "relay-only" },
      profile: { ...PROFILE, id: "relay-only", transport: "wrap" },
    },
  ]);
  const path = join(dir, "ferryd.sock");
  const started = await startApiServer({
    path,
    access: { uid: process.getuid!(), gid: process.getgid!(), mode: 0o600, description: "test" },
    handlers: serviceHandlers({ profiles, tunnels, diagnose: async () => [] }),
    log: () => {},
  });
  if (!started.ok) throw new Error(started.error.message);
  api = server = started.value;
  return { path, scheduler, connections: fake.connections, wire, tunnels };
}

describe("ferryd's API over the tunnel manager", () => {
  it("refuses unknown and broken profiles, and a relay-only profile without a token", async () => {
    const { path, connections } = await service();
    const client = await connectService(path);
    await expect(client.connect("nope", { password: PASSWORD })).rejects.toMatchObject({
      code: "PROFILE_UNKNOWN",
    });
    const broken = await client.connect("broken", { password: PASSWORD }).catch((e) => e);
    expect(broken).toMatchObject({ code: "PROFILE_INVALID" });
    expect(broken.message).toContain("/routes/1: not a CIDR");
    await expect(client.connect("relay-only", { password: PASSWORD })).rejects.toMatchObject({
      code: "RELAY_TOKEN_MISSING",
    });
    await expect(client.diagnose("nope")).rejects.toMatchObject({ code: "PROFILE_UNKNOWN" });
    expect(connections).toHaveLength(0);
    client.close();
  });

  it("keeps the tunnel up when the client that started it goes away", async () => {
    const { path, connections } = await service();
    const gui = await connectService(path);
    await gui.connect("work", { password: PASSWORD, relayToken: TOKEN });
    connections[0]!.options.onEvent(CONNECTED_DIRECT);
    gui.close(); // a crashed GUI
    await settle();
    expect(connections[0]!.disconnects).toBe(0);
    const cli = await connectService(path);
    expect(await cli.status()).toMatchObject({ state: "connected-direct", profileId: "work" });
    cli.close();
  });

  it("runs a whole connect, reconnect and failure without a secret in any event, log or answer", async () => {
    const { path, connections, scheduler, wire, tunnels } = await service();
    const client = await connectService(path);
    const received: ServiceEvent[] = [];
    await client.subscribe((e) => received.push(e));
    // A hostile client next to it sees the same events, none with a secret.
    const raw = createConnection(path);
    let rawText = "";
    raw.on("data", (chunk) => {
      rawText += chunk.toString();
    });
    raw.write('{"id":1,"method":"subscribe"}\n');
    const answers = [await client.connect("work", { password: PASSWORD, relayToken: TOKEN })];
    const { onEvent } = connections[0]!.options;
    onEvent({
      type: "transport-decided",
      transport: "wrap",
      fallbackReason: "gre-timeout",
      why: "no GRE came back",
    });
    onEvent(RELAY_CONNECTED);
    onEvent({ ...CONNECTED_DIRECT, transport: "wrap" });
    connections[0]!.end({ connected: true, error: PEER_DEAD });
    await settle();
    scheduler.advance(1000);
    connections[1]!.end({
      connected: false,
      error: codedError(
        "AUTH_FAILED",
        "The server refused the user name or password.",
        "Check the password.",
      ),
    });
    await settle();
    answers.push(await client.status(), await client.disconnect());
    const states = received.flatMap((e) => (e.event === "health" ? [e.health.state] : []));
    expect(states).toContain("connected-relay");
    expect(states).toContain("degraded");
    expect(states.at(-1)).toBe("error");
    // The raw client's answer to this comes after every event pushed to it before.
    raw.write('{"id":2,"method":"status"}\n');
    await new Promise<void>((resolve) => raw.on("data", () => rawText.includes('"id":2') && resolve()));
    raw.destroy();
    expect(rawText).toContain('"event":"health"');
    const everything = [
      JSON.stringify(received),
      JSON.stringify(answers),
      rawText,
      wire.join("\n"),
      JSON.stringify(tunnels.logs()),
    ].join("\n");
    expect(everything).toContain("AUTH_FAILED");
    for (const secret of [PASSWORD, TOKEN]) expect(everything).not.toContain(secret);
    client.close();
  });

  it("replays the recent log lines to a new subscriber", async () => {
    const { path } = await service();
    const first = await connectService(path);
    await first.connect("work", { password: PASSWORD });
    const later = await connectService(path);
    const lines: string[] = [];
    await later.subscribe((e) => {
      if (e.event === "log") lines.push(e.line);
    });
    await later.status();
    expect(lines).toEqual(["Connecting to vpn.example as alice (profile work, auto)"]);
    first.close();
    later.close();
  });
});
