import { describe, expect, it } from "vitest";
import { type MenuItemModel, trayMenu } from "../src/main/menu-model.js";
import { FAKE_PROFILES } from "./support/fake-service.js";
import { CONNECTED_RELAY, DISCONNECTED, health } from "./support/health.js";

type Action = Extract<MenuItemModel, { kind: "action" }>;
const actions = (items: readonly MenuItemModel[]) =>
  items.filter((item): item is Action => item.kind === "action");
const byLabel = (items: readonly MenuItemModel[], label: string) =>
  actions(items).find((item) => item.label === label);

describe("trayMenu", () => {
  it("offers Connect per valid profile, then Open and Quit, while nothing runs", () => {
    const items = trayMenu(DISCONNECTED, FAKE_PROFILES);
    expect(items[0]).toEqual({ kind: "label", label: "Disconnected" });
    expect(actions(items).map((item) => [item.label, item.enabled])).toEqual([
      ["Connect Office", true],
      ["Connect Headquarters", true],
      ["Connect Old laptop profile (profile has problems)", false],
      ["Open Ferry", true],
      ["Quit", true],
    ]);
    expect(byLabel(items, "Connect Headquarters")?.action).toEqual({ type: "connect", profileId: "hq" });
  });

  it("offers Disconnect for the running profile only, and says the tunnel outlives Quit", () => {
    const items = trayMenu(CONNECTED_RELAY, FAKE_PROFILES);
    expect(items[0]).toEqual({ kind: "label", label: "Connected via relay (via relay)" });
    expect(byLabel(items, "Disconnect Office")).toMatchObject({
      enabled: true,
      action: { type: "disconnect" },
    });
    expect(byLabel(items, "Connect Headquarters")?.enabled).toBe(false);
    expect(byLabel(items, "Quit (the tunnel stays up)")?.action).toEqual({ type: "quit" });
  });

  it("treats connecting and degraded as running, and an error as stopped", () => {
    for (const state of ["connecting", "degraded"] as const) {
      const items = trayMenu(health({ state, profileId: "office" }), FAKE_PROFILES);
      expect(byLabel(items, "Disconnect Office")?.enabled).toBe(true);
    }
    const failed = trayMenu(health({ state: "error", profileId: "office" }), FAKE_PROFILES);
    expect(byLabel(failed, "Connect Office")?.enabled).toBe(true);
  });

  it("says so when there are no profiles", () => {
    expect(trayMenu(DISCONNECTED, [])).toContainEqual({ kind: "label", label: "No profiles" });
  });
});
