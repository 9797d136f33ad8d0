/**
 * The desktop app's service side against the real pptpd: a real ferryd runs inside `fy-client` with a lab profile,
 * and the renderer test (headless Chromium) drives it: Connect, live figures, Disconnect, diagnose, with
 * screenshots. Then, over the API itself: a wrong password ends in AUTH_FAILED and appears in no log, event or
 * response; and a tunnel whose path silently stops passing GRE shows degraded within the keepalive window and
 * comes back by itself once the path does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectService, type Health, type ServiceClient, type ServiceEvent } from "@ferry/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inNs, labDown, labUp, PASSWORD, SERVER, SERVER_PPP, serverLog, snapshot, USER } from "./lab.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FERRYD = join(ROOT, "packages/service/bin/ferryd.js");
const SCREENSHOTS = join(ROOT, "artifacts/screenshots");
const NS = "fy-client";
const PROFILE_ID = "lab-public";
/** A wrong password nobody would type by chance: it must never show up anywhere the service writes or says. */
const CANARY = "Wr0ng-Pa55-Canary-8c1f";
const ECHO_INTERVAL_S = 2;
const ECHO_FAILURES = 3;
/** How long unanswered LCP echoes take to count as a dead link: the window "degraded" must show within. */
const KEEPALIVE_WINDOW_MS = ECHO_INTERVAL_S * ECHO_FAILURES * 1000;

let work: string;
let socket: string;
let stderrFile: string;
let ferryd: ChildProcess | undefined;
let ferrydExited: Promise<number | null> | undefined;
let client: ServiceClient | undefined;
let networkBefore: string;

/** Every health event the subscriber saw, with the time it arrived. */
const healths: { at: number; health: Health }[] = [];
/** Every event and response the service sent to this test, as JSON, for the secret check. */
const received: string[] = [];
/** Bytes read off a raw subscriber connection: what went over the socket, not what a client made of it. */
const wire: Buffer[] = [];
const figures: string[] = [];

async function waitForSocket(path: string, timeoutMs: number): Promise<ServiceClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectService(path);
    } catch (error) {
      if (Date.now() > deadline) {
        const log = await readFile(stderrFile, "utf8").catch(() => "");
        throw new Error(`ferryd did not answer on ${path}: ${(error as Error).message}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Calls the service and keeps what came back (result or error) for the secret check. */
async function record<T>(call: Promise<T>): Promise<T> {
  try {
    const result = await call;
    received.push(JSON.stringify(result));
    return result;
  } catch (error) {
    const e = error as { code?: string; message?: string; hint?: string };
    received.push(JSON.stringify({ code: e.code, message: e.message, hint: e.hint }));
    throw error;
  }
}

/** Resolves with the first health event after `since` that `match` accepts. */
async function waitForHealth(
  since: number,
  match: (health: Health) => boolean,
  timeoutMs: number,
  what: string,
  signal?: AbortSignal,
): Promise<{ at: number; health: Health }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = healths.find((h) => h.at >= since && match(h.health));
    if (found !== undefined) return found;
    if (Date.now() > deadline || signal?.aborted === true) {
      const seen = healths.filter((h) => h.at >= since).map((h) => `${h.at - since} ms ${summary(h.health)}`);
      throw new Error(`no health "${what}" within ${timeoutMs} ms; saw:\n${dedupe(seen).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function summary(health: Health): string {
  return [health.state, health.degradedBecause, health.error?.code].filter((x) => x !== undefined).join(" ");
}

function dedupe(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines)
    if (out.at(-1)?.replace(/^\d+ ms /, "") !== line.replace(/^\d+ ms /, "")) out.push(line);
  return out;
}

/** Opens a bare connection, subscribes, and keeps every byte the service sends on it. */
function rawSubscriber(path: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const raw = createConnection(path);
    raw.on("data", (chunk: Buffer) => wire.push(chunk));
    raw.once("error", reject);
    raw.once("connect", () => {
      raw.write(`${JSON.stringify({ id: 1, method: "hello", version: 1 })}\n`);
      raw.write(`${JSON.stringify({ id: 2, method: "subscribe" })}\n`);
      resolve(() => raw.destroy());
    });
  });
}

let closeRaw: (() => void) | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ferry-lab-desktop-"));
  socket = join(work, "ferryd.sock");
  stderrFile = join(work, "ferryd.stderr");
  const profiles = join(work, "profiles");
  await Promise.all(
    ["profiles", "system", "state"].map((dir) => mkdir(join(work, dir), { recursive: true })),
  );
  await writeFile(
    join(profiles, `${PROFILE_ID}.json`),
    `${JSON.stringify(
      {
        id: PROFILE_ID,
        name: "Lab server (public network)",
        server: SERVER,
        userName: USER,
        transport: { mode: "direct" },
        routes: ["10.200.0.0/24"],
        keepalive: { lcpEchoIntervalSeconds: ECHO_INTERVAL_S, failures: ECHO_FAILURES },
      },
      null,
      2,
    )}\n`,
  );
  await labUp("public");
  networkBefore = await snapshot(NS);

  const out = openSync(stderrFile, "a");
  ferryd = spawn(
    "ip",
    [
      "netns",
      "exec",
      NS,
      process.execPath,
      FERRYD,
      "--socket",
      socket,
      "--user",
      "root",
      "--profiles-dir",
      profiles,
      "--system-profiles-dir",
      join(work, "system"),
    ],
    // `ip netns exec` execs ferryd in place: this pid is ferryd's.
    { stdio: ["ignore", out, out], env: { ...process.env, FERRY_STATE_DIR: join(work, "state") } },
  );
  closeSync(out);
  const child = ferryd;
  ferrydExited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));

  client = await waitForSocket(socket, 15_000);
  await client.subscribe((event: ServiceEvent) => {
    received.push(JSON.stringify(event));
    if (event.event === "health") healths.push({ at: Date.now(), health: event.health });
  });
  closeRaw = await rawSubscriber(socket);
}, 180_000);

afterAll(async () => {
  closeRaw?.();
  client?.close();
  // Whatever happened, GRE passes again.
  await inNs("fy-inet", "iptables", ["-D", "FORWARD", "-p", "gre", "-j", "DROP"]).catch(() => "");
  if (ferryd?.pid !== undefined && ferryd.exitCode === null) {
    process.kill(ferryd.pid, "SIGTERM");
    const code = await Promise.race([
      ferrydExited,
      new Promise((r) => setTimeout(() => r("timeout"), 10_000)),
    ]);
    if (code === "timeout" && ferryd.exitCode === null) process.kill(ferryd.pid, "SIGKILL");
    else expect(code).toBe(0);
  }
  await labDown();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
  if (figures.length > 0) console.log(`desktop lab figures:\n  ${figures.join("\n  ")}`);
}, 60_000);

describe("ferryd in the client namespace, against the real pptpd", () => {
  it("lists the lab profile", async () => {
    const listed = await record(client!.listProfiles());
    expect(listed).toEqual([
      expect.objectContaining({ id: PROFILE_ID, server: SERVER, userName: USER, problems: [] }),
    ]);
  });

  it("drives the renderer in headless Chromium: Connect to connected with figures, Disconnect, diagnose", async () => {
    const startedAt = Date.now();
    const env: NodeJS.ProcessEnv = {};
    // A vitest inside a vitest worker: none of the outer run's markers.
    for (const [key, value] of Object.entries(process.env))
      if (!key.startsWith("VITEST") && key !== "TEST" && key !== "NODE_ENV") env[key] = value;
    const output: string[] = [];
    // Traffic through the tunnel while the page shows it, so the figures on the screenshots move.
    const traffic = new AbortController();
    const pinging = waitForHealth(
      startedAt,
      (h) => h.state === "connected-direct",
      120_000,
      "connected-direct",
      traffic.signal,
    )
      .then(() => inNs(NS, "ping", ["-c", "30", "-i", "0.4", "-W", "2", SERVER_PPP]))
      .catch(() => "");
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn("npx", ["vitest", "run", "apps/desktop/test/renderer.test.ts"], {
        cwd: ROOT,
        env: {
          ...env,
          FERRY_SOCKET: socket,
          FERRY_TEST_PROFILE: PROFILE_ID,
          FERRY_TEST_PASSWORD: PASSWORD,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", (c: Buffer) => output.push(c.toString()));
      child.stderr.on("data", (c: Buffer) => output.push(c.toString()));
      child.on("exit", resolve);
    });
    traffic.abort();
    await pinging;
    expect(code, output.join("")).toBe(0);
    figures.push(`renderer test against the real ferryd: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

    // It connected for real: the service reported connected-direct with moving figures.
    const connected = healths.filter((h) => h.at >= startedAt && h.health.state === "connected-direct");
    expect(connected.length).toBeGreaterThan(5);
    const last = connected.at(-1)!.health;
    expect(last.localAddress).toMatch(/^10\.200\.0\./);
    expect(last.uptimeMs).toBeGreaterThanOrEqual(12_000);
    expect(last.rttMs).toBeTypeOf("number");
    // The figures count IP traffic (the pings), not the LCP echoes.
    expect(Math.max(...connected.map((h) => h.health.bytesIn))).toBeGreaterThan(0);
    expect(Math.max(...connected.map((h) => h.health.rateInBps))).toBeGreaterThan(0);
    figures.push(
      `renderer run's last connected health: ${JSON.stringify({ ...last, profileId: undefined })}`,
    );

    // Fresh screenshots of each state, kept under their own names next to the fake service's.
    const wanted = ["01-profiles", "03-connected", "04-disconnected", "05-diagnose", "06-login-rejected"];
    for (const name of wanted) {
      const file = join(SCREENSHOTS, `desktop-${name}.png`);
      expect((await stat(file)).mtimeMs).toBeGreaterThanOrEqual(startedAt - 1000);
    }
    for (const file of await readdir(SCREENSHOTS))
      if (file.startsWith("desktop-") && (await stat(join(SCREENSHOTS, file))).mtimeMs >= startedAt - 1000)
        await copyFile(join(SCREENSHOTS, file), join(SCREENSHOTS, `lab-${file}`));
  }, 300_000);

  it("ends a wrong password in AUTH_FAILED, and the password appears in no log, event or response", async () => {
    const since = Date.now();
    const answer = await record(client!.connect(PROFILE_ID, { password: CANARY }));
    expect(answer.state).toBe("connecting");
    const failed = await waitForHealth(since, (h) => h.state === "error", 60_000, "error");
    expect(failed.health.error?.code).toBe("AUTH_FAILED");
    figures.push(`wrong password to AUTH_FAILED: ${((failed.at - since) / 1000).toFixed(2)} s`);
    const status = await record(client!.status());
    expect(status).toMatchObject({ state: "error", error: { code: "AUTH_FAILED" } });
    await record(client!.disconnect());
    await record(client!.diagnose(PROFILE_ID));

    // The places the password could leak to; each must hold the failure itself, so the check looks at real output.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stderr = await readFile(stderrFile, "utf8");
    expect(stderr).toContain("AUTH_FAILED");
    expect(received.join("\n")).toContain("AUTH_FAILED");
    const onWire = Buffer.concat(wire).toString("utf8");
    expect(onWire).toContain("AUTH_FAILED");
    const stateFiles = await readdir(join(work, "state"), { recursive: true });
    const state = await Promise.all(
      stateFiles.map((f) => readFile(join(work, "state", String(f)), "utf8").catch(() => "")),
    );
    const places: Record<string, string> = {
      "ferryd's stderr": stderr,
      "API events and responses": received.join("\n"),
      "the subscriber socket's bytes": onWire,
      "ferryd's state folder": state.join("\n"),
      "the server's log": await serverLog(),
    };
    for (const [place, text] of Object.entries(places)) {
      expect(text.includes(CANARY), `the password is in ${place}`).toBe(false);
      expect(text.includes(Buffer.from(CANARY).toString("base64")), `base64 password in ${place}`).toBe(
        false,
      );
    }
  });

  it("shows degraded within the keepalive window when GRE stops passing, and reconnects by itself", async () => {
    await stallAndRecover("GRE dropped briefly", 0);
  }, 180_000);

  it("keeps reconnecting while GRE stays dropped (a network that comes back later), and gets back", async () => {
    await stallAndRecover("GRE dropped for 25 s", 25_000);
  }, 180_000);
});

/**
 * Connects, drops GRE at the internet router (TCP 1723 still passes: the tunnel "looks up but passes nothing"),
 * expects degraded within the keepalive window, keeps the drop `holdMs` longer, lifts it, and expects the service
 * to be back on its own within a minute, carrying traffic, and the namespace as it was once disconnected.
 */
async function stallAndRecover(label: string, holdMs: number): Promise<void> {
  const since = Date.now();
  await record(client!.connect(PROFILE_ID, { password: PASSWORD }));
  const up = await waitForHealth(since, (h) => h.state === "connected-direct", 60_000, "connected-direct");
  figures.push(`${label}: connect to connected-direct: ${((up.at - since) / 1000).toFixed(2)} s`);
  await inNs(NS, "ping", ["-c", "2", "-W", "3", SERVER_PPP]);

  let blocked = false;
  let blockedAt = 0;
  try {
    await inNs("fy-inet", "iptables", ["-I", "FORWARD", "-p", "gre", "-j", "DROP"]);
    blocked = true;
    blockedAt = Date.now();
    const degraded = await waitForHealth(
      blockedAt,
      (h) => h.state === "degraded",
      KEEPALIVE_WINDOW_MS + 10_000,
      "degraded",
    );
    figures.push(
      `${label}: to degraded: ${((degraded.at - blockedAt) / 1000).toFixed(2)} s (${degraded.health.degradedBecause})`,
    );
    // Within the keepalive window, give or take one echo interval and one health sample.
    expect(degraded.at - blockedAt).toBeLessThanOrEqual(KEEPALIVE_WINDOW_MS + ECHO_INTERVAL_S * 1000 + 1000);
    await new Promise((resolve) => setTimeout(resolve, holdMs));
  } finally {
    if (blocked) await inNs("fy-inet", "iptables", ["-D", "FORWARD", "-p", "gre", "-j", "DROP"]);
  }
  const unblockedAt = Date.now();
  const states = () =>
    dedupe(
      healths.filter((h) => h.at >= blockedAt).map((h) => `${h.at - blockedAt} ms ${summary(h.health)}`),
    ).join("\n    ");
  try {
    const back = await waitForHealth(
      unblockedAt,
      (h) => h.state === "connected-direct",
      60_000,
      "connected-direct again",
    );
    figures.push(
      `${label}: GRE back (at ${unblockedAt - blockedAt} ms) to connected-direct: ${((back.at - unblockedAt) / 1000).toFixed(2)} s`,
    );
    // Never gave up on the way.
    expect(
      healths.filter((h) => h.at >= blockedAt && h.at <= back.at).map((h) => h.health.state),
    ).not.toContain("error");
  } finally {
    figures.push(`${label}: states from the drop on:\n    ${states()}`);
  }
  await inNs(NS, "ping", ["-c", "2", "-W", "3", SERVER_PPP]);

  const down = await record(client!.disconnect());
  expect(down.state).toBe("disconnected");
  // The namespace's routes, addresses and DNS are as they were before ferryd's first tunnel.
  expect(await snapshot(NS)).toBe(networkBefore);
}
