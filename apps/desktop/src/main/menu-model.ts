/**
 * The tray menu as data: the main process turns it into an Electron Menu, the tests read it. One tunnel runs at a
 * time (ferryd owns one), so while a tunnel is up only its own profile offers Disconnect and the others wait.
 */
import { stateLabel, transportLabel } from "../shared/format.js";
import type { Health, ProfileSummary } from "../shared/service-api.js";

export type MenuAction =
  | { readonly type: "connect"; readonly profileId: string }
  | { readonly type: "disconnect" }
  | { readonly type: "open" }
  | { readonly type: "quit" };

export type MenuItemModel =
  | { readonly kind: "label"; readonly label: string }
  | { readonly kind: "separator" }
  | {
      readonly kind: "action";
      readonly label: string;
      readonly enabled: boolean;
      readonly action: MenuAction;
    };

/** States in which a tunnel exists (or is being made) and must be disconnected before another connect. */
export function tunnelActive(health: Health): boolean {
  return health.state !== "disconnected" && health.state !== "error";
}

export function trayMenu(health: Health, profiles: readonly ProfileSummary[]): MenuItemModel[] {
  const active = tunnelActive(health);
  const transport = health.transport === undefined ? "" : ` (${transportLabel(health.transport)})`;
  const items: MenuItemModel[] = [
    { kind: "label", label: `${stateLabel(health.state)}${active ? transport : ""}` },
  ];
  items.push({ kind: "separator" });
  if (profiles.length === 0) items.push({ kind: "label", label: "No profiles" });
  for (const profile of profiles) items.push(profileItem(profile, health, active));
  items.push(
    { kind: "separator" },
    { kind: "action", label: "Open Ferry", enabled: true, action: { type: "open" } },
    // ferryd owns the tunnel: quitting the GUI leaves it up, so say so rather than surprise.
    {
      kind: "action",
      label: active ? "Quit (the tunnel stays up)" : "Quit",
      enabled: true,
      action: { type: "quit" },
    },
  );
  return items;
}

function profileItem(profile: ProfileSummary, health: Health, active: boolean): MenuItemModel {
  if (active && health.profileId === profile.id) {
    return {
      kind: "action",
      label: `Disconnect ${profile.name}`,
      enabled: true,
      action: { type: "disconnect" },
    };
  }
  const invalid = profile.problems.length > 0;
  return {
    kind: "action",
    label: `Connect ${profile.name}${invalid ? " (profile has problems)" : ""}`,
    enabled: !active && !invalid,
    action: { type: "connect", profileId: profile.id },
  };
}
