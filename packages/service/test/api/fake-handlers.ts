import type { Health, ServiceEvent } from "../../src/api/protocol.js";
import type { ApiHandlers } from "../../src/api/server.js";

export const IDLE: Health = { state: "disconnected", bytesIn: 0, bytesOut: 0, rateInBps: 0, rateOutBps: 0 };

/** Handlers that answer from fixed data and record connects. */
export function fakeHandlers(backlog: readonly ServiceEvent[] = []): ApiHandlers & { connects: string[] } {
  const connects: string[] = [];
  return {
    connects,
    status: () => IDLE,
    listProfiles: () => [
      {
        id: "work",
        name: "Work",
        server: "vpn.example",
        userName: "alice",
        transport: "auto",
        managed: false,
        locked: [],
        usesRelay: false,
        problems: [],
      },
    ],
    async connect(profileId) {
      connects.push(profileId);
      if (profileId !== "work")
        return {
          ok: false,
          error: { code: "PROFILE_UNKNOWN", message: "no such profile", hint: "pick one" },
        };
      return { ok: true, value: { ...IDLE, state: "connecting", profileId } };
    },
    disconnect: async () => IDLE,
    diagnose: async () => ({ ok: true, value: [] }),
    backlog: () => backlog,
  };
}
