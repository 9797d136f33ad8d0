/**
 * The profile list: one card per profile with its settings, Connect or Disconnect, and Diagnose. Profiles pushed
 * by IT say so, and their locked fields are shown read-only with a lock.
 */
import { transportLabel } from "../shared/format.js";
import type { Health, ProfileSummary } from "../shared/service-api.js";
import { el } from "./dom.js";

export interface ProfileActions {
  connect(profile: ProfileSummary): void;
  disconnect(): void;
  diagnose(profile: ProfileSummary): void;
}

/** The summary's fields as shown, under the names a profile file locks them by. */
const FIELDS: readonly {
  readonly key: string;
  readonly label: string;
  readonly value: (p: ProfileSummary) => string;
}[] = [
  { key: "server", label: "Server", value: (p) => p.server },
  { key: "userName", label: "User name", value: (p) => p.userName },
  {
    key: "transport",
    label: "Transport",
    value: (p) => (p.transport === "auto" ? "auto (direct, relay when needed)" : transportLabel(p.transport)),
  },
];

export function renderProfiles(
  list: HTMLElement,
  profiles: readonly ProfileSummary[],
  health: Health,
  busy: boolean,
  actions: ProfileActions,
): void {
  const tunnelUp = health.state !== "disconnected" && health.state !== "error";
  list.replaceChildren(
    ...(profiles.length === 0
      ? [el("p", { class: "empty" }, "No profiles yet. Profiles from IT appear here by themselves.")]
      : profiles.map((profile) => profileCard(profile, health, tunnelUp, busy, actions))),
  );
}

function profileCard(
  profile: ProfileSummary,
  health: Health,
  tunnelUp: boolean,
  busy: boolean,
  actions: ProfileActions,
): HTMLElement {
  const active = tunnelUp && health.profileId === profile.id;
  const invalid = profile.problems.length > 0;
  const primary = active
    ? button("Disconnect", "disconnect", busy, () => actions.disconnect())
    : button("Connect", "connect", busy || tunnelUp || invalid, () => actions.connect(profile));
  const otherLocks = profile.locked.filter((key) => !FIELDS.some((field) => field.key === key));
  return el(
    "article",
    {
      class: `profile${active ? " active" : ""}`,
      "data-profile-id": profile.id,
      "aria-label": profile.name,
    },
    el(
      "header",
      {},
      el("h3", {}, profile.name),
      profile.managed &&
        el("span", { class: "badge managed", title: "Pushed by your IT department" }, "managed by IT"),
    ),
    el("dl", { class: "fields" }, ...FIELDS.flatMap((field) => fieldRow(profile, field))),
    otherLocks.length > 0 && el("p", { class: "locks" }, `Also locked by IT: ${otherLocks.join(", ")}`),
    invalid &&
      el(
        "ul",
        { class: "problems" },
        ...profile.problems.map((problem) =>
          el("li", {}, `${problem.path === "" ? "Profile" : problem.path}: ${problem.message}`),
        ),
      ),
    el(
      "div",
      { class: "actions" },
      primary,
      button("Diagnose", "diagnose", busy || invalid, () => actions.diagnose(profile)),
    ),
  );
}

/** The GUI edits no profile; a locked field is marked so the user knows IT fixed it, not just this window. */
function fieldRow(profile: ProfileSummary, field: (typeof FIELDS)[number]): HTMLElement[] {
  const locked = profile.locked.includes(field.key);
  return [
    el("dt", {}, field.label),
    el(
      "dd",
      locked
        ? {
            "data-field": field.key,
            class: "locked",
            "aria-readonly": "true",
            title: "Locked by your IT department",
          }
        : { "data-field": field.key },
      field.value(profile),
      locked && el("span", { class: "lock" }, "locked by IT"),
    ),
  ];
}

function button(label: string, action: string, disabled: boolean, onClick: () => void): HTMLButtonElement {
  const element = el("button", { type: "button", "data-action": action, class: action }, label);
  element.disabled = disabled;
  element.addEventListener("click", onClick);
  return element;
}
