/**
 * An in-process ferryd: the same API, profiles like IT and a user would have, and a tunnel that goes connecting ->
 * connected-direct and then reports figures on every tick, like the service's health monitor. Ticks come from a
 * timer (like ferryd) or from `tick()` for tests that step it by hand. Password "wrong" fails the login.
 */
import type { Finding } from "@ferry/wrap";
import type {
  ConnectSecrets,
  Health,
  ProfileSummary,
  ServiceClient,
  ServiceEvent,
} from "../../src/shared/service-api.js";

export const FAKE_PROFILES: readonly ProfileSummary[] = [
  {
    id: "office",
    name: "Office",
    server: "vpn.example.com",
    userName: "alice",
    transport: "auto",
    managed: false,
    locked: [],
    usesRelay: true,
    problems: [],
  },
  {
    id: "hq",
    name: "Headquarters",
    server: "203.0.113.10",
    userName: "CORP\\alice",
    transport: "direct",
    managed: true,
    locked: ["server", "transport", "routes"],
    usesRelay: false,
    problems: [],
  },
  {
    id: "broken",
    name: "Old laptop profile",
    server: "",
    userName: "alice",
    transport: "direct",
    managed: false,
    locked: [],
    usesRelay: false,
    problems: [{ path: "/server", message: "must be a host name or IPv4 address" }],
  },
];

export const FAKE_FINDINGS: readonly Finding[] = [
  {
    id: "tcp-1723",
    status: "ok",
    title: "TCP 1723 (the PPTP control channel)",
    detail: "The TCP handshake with vpn.example.com (203.0.113.10) on port 1723 completed in 21 ms.",
  },
  {
    id: "control-connection",
    status: "ok",
    title: "PPTP control connection and call",
    detail: 'The server (host "pptpd", vendor "linux") accepted the control connection and the call.',
  },
  {
    id: "gre-return",
    status: "fail",
    title: "GRE (IP protocol 47) coming back",
    detail: "The call was set up, but no GRE packet came back within 3000 ms.",
    fix: "Allow IP protocol 47 (GRE) as well as TCP 1723 on every firewall on the path.",
  },
  {
    id: "path-mtu",
    status: "warn",
    title: "Path MTU, tunnel MTU and TCP MSS",
    detail:
      "Don't-fragment pings of up to 1472 bytes reach the server. Recommended: tunnel MTU 1400, TCP MSS 1360.",
    fix: "Set the tunnel MTU to 1400 and clamp TCP MSS on the gateway.",
  },
  {
    id: "verdict",
    status: "warn",
    title: "Verdict: use the relay: GRE is blocked",
    detail: "TCP 1723 works but GRE (IP protocol 47) does not get through. The relay works from here.",
    fix: "Use Ferry's relay (transport wrap, or auto, which falls back by itself).",
  },
];

const IDLE: Health = { state: "disconnected", bytesIn: 0, bytesOut: 0, rateInBps: 0, rateOutBps: 0 };

export interface FakeService extends ServiceClient {
  /** One step of the tunnel's life: what the health monitor would report next. */
  tick(): void;
  /** Every secret connect was given, to check they never come back out. */
  readonly secretsSeen: readonly ConnectSecrets[];
}

export function fakeService(options: { tickMs?: number } = {}): FakeService {
  let health: Health = IDLE;
  let ticks = 0;
  let password = "";
  const secretsSeen: ConnectSecrets[] = [];
  const listeners = new Set<(event: ServiceEvent) => void>();
  const emit = (event: ServiceEvent) => {
    for (const listener of listeners) listener(event);
  };
  const log = (line: string) => emit({ event: "log", at: Date.UTC(2025, 0, 6, 9, 30, ticks), line });
  const setHealth = (next: Health) => {
    health = next;
    emit({ event: "health", health });
  };
  const timer = options.tickMs === undefined ? undefined : setInterval(() => tick(), options.tickMs);
  timer?.unref();

  const tick = () => {
    if (health.state !== "connecting" && health.state !== "connected-direct") return;
    ticks += 1;
    const profileId = health.profileId;
    if (health.state === "connecting") {
      if (password === "wrong") {
        log("MS-CHAPv2: the server rejected the login (E=691)");
        setHealth({
          ...IDLE,
          state: "error",
          ...(profileId === undefined ? {} : { profileId }),
          error: {
            code: "AUTH_FAILED",
            message: "The server rejected the user name or password.",
            hint: "Check the password, and the domain in the user name (DOMAIN\\user).",
          },
        });
        return;
      }
      log("Authenticated (MS-CHAPv2); MPPE 128-bit stateless");
      log("GRE comes back: staying direct");
      log("Connected: ferry0 10.0.0.2");
    }
    // Figures that move like a real link's: a download ramping up, RTT wandering around 24 ms.
    const rateInBps = 2_000_000 + 1_500_000 * Math.sin(ticks / 3) ** 2;
    const rateOutBps = 250_000 + 100_000 * Math.cos(ticks / 4) ** 2;
    setHealth({
      state: "connected-direct",
      ...(profileId === undefined ? {} : { profileId }),
      transport: "direct",
      rttMs: 24 + 6 * Math.sin(ticks / 2),
      lossPercent: ticks % 7 === 0 ? 0.5 : 0,
      bytesIn: health.bytesIn + Math.round(rateInBps / 8),
      bytesOut: health.bytesOut + Math.round(rateOutBps / 8),
      rateInBps,
      rateOutBps,
      uptimeMs: (ticks - 1) * 1000,
      localAddress: "10.0.0.2",
      interface: "ferry0",
    });
  };

  const profile = (profileId: string): ProfileSummary => {
    const found = FAKE_PROFILES.find((p) => p.id === profileId);
    if (found === undefined)
      throw apiError(
        "PROFILE_NOT_FOUND",
        `There is no profile "${profileId}".`,
        "Pick a profile from the list.",
      );
    return found;
  };

  return {
    tick,
    secretsSeen,
    status: async () => health,
    listProfiles: async () => FAKE_PROFILES,
    connect: async (profileId, secrets) => {
      const chosen = profile(profileId);
      if (health.state !== "disconnected" && health.state !== "error") {
        throw apiError("ALREADY_CONNECTED", "A tunnel is already up.", "Disconnect it first.");
      }
      secretsSeen.push(secrets);
      password = secrets.password;
      ticks = 0;
      log(`Connecting to ${chosen.server} as ${chosen.userName}`);
      setHealth({ ...IDLE, state: "connecting", profileId });
      return health;
    },
    disconnect: async () => {
      if (health.state !== "disconnected") log("Disconnected (user)");
      const profileId = health.profileId;
      setHealth({ ...IDLE, ...(profileId === undefined ? {} : { profileId }) });
      return health;
    },
    diagnose: async (profileId) => {
      profile(profileId);
      return FAKE_FINDINGS;
    },
    subscribe: async (onEvent) => {
      listeners.add(onEvent);
      return () => listeners.delete(onEvent);
    },
    close: () => {
      if (timer !== undefined) clearInterval(timer);
      listeners.clear();
    },
  };
}

function apiError(code: string, message: string, hint: string) {
  return Object.assign(new Error(message), { code, hint });
}
