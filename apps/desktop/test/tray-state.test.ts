import { describe, expect, it } from "vitest";
import { TRAY_STATES, trayIconFile, trayTooltip } from "../src/main/tray-state.js";
import { formatDuration, formatRate } from "../src/shared/format.js";
import { CONNECTED_DIRECT, CONNECTED_RELAY, DISCONNECTED, health } from "./support/health.js";

describe("trayIconFile", () => {
  it("names one icon per state and size", () => {
    const files = TRAY_STATES.flatMap((state) => [trayIconFile(state, 32), trayIconFile(state, 64)]);
    expect(new Set(files).size).toBe(12);
    expect(trayIconFile("connected-relay", 64)).toBe("connected-relay-64.png");
  });
});

describe("trayTooltip", () => {
  it("gives profile, transport and every figure when connected", () => {
    expect(trayTooltip(CONNECTED_DIRECT, "Office")).toBe(
      [
        "Ferry: connected · Office",
        "Transport: direct",
        "RTT 23 ms · loss 0.5 %",
        "↓ 2.4 Mbit/s · ↑ 310 kbit/s",
        "Up 1 h 02 min",
      ].join("\n"),
    );
  });

  it("says via relay when the session is wrapped", () => {
    const tooltip = trayTooltip(CONNECTED_RELAY, "Office");
    expect(tooltip.split("\n")[0]).toBe("Ferry: connected via relay · Office");
    expect(tooltip).toContain("Transport: via relay");
  });

  it("says why the tunnel is degraded", () => {
    const tooltip = trayTooltip(
      health({ ...CONNECTED_DIRECT, state: "degraded", degradedBecause: "12 % loss" }),
    );
    expect(tooltip.split("\n").slice(0, 2)).toEqual(["Ferry: degraded · office", "12 % loss"]);
  });

  it("keeps it short when there is nothing to measure", () => {
    expect(trayTooltip(DISCONNECTED)).toBe("Ferry: disconnected");
    expect(trayTooltip(health({ state: "connecting", profileId: "hq" }), "Headquarters")).toBe(
      "Ferry: connecting · Headquarters…",
    );
    const error = health({
      state: "error",
      profileId: "hq",
      error: { code: "AUTH_FAILED", message: "The server rejected the login.", hint: "Check the password." },
    });
    expect(trayTooltip(error, "Headquarters")).toBe(
      "Ferry: error · Headquarters\nThe server rejected the login.",
    );
  });
});

describe("formatting", () => {
  it("reads rates and durations at a glance", () => {
    expect([999, 1000, 2_400_000, 3e9].map(formatRate)).toEqual([
      "999 bit/s",
      "1.0 kbit/s",
      "2.4 Mbit/s",
      "3.0 Gbit/s",
    ]);
    expect([0, 42_000, 185_000, 7_620_000, 273_600_000].map(formatDuration)).toEqual([
      "0 s",
      "42 s",
      "3 min 05 s",
      "2 h 07 min",
      "3 d 4 h",
    ]);
  });
});
