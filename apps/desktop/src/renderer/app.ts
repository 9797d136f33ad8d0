/** The window: ties the views to the bridge. State is the latest profiles and health; every view renders from it. */
import type { Health, ProfileSummary, ServiceEvent } from "../shared/service-api.js";
import { showDiagnosing, showFindings } from "./diagnose-view.js";
import { byId } from "./dom.js";
import { setUpLegacyNote } from "./legacy-note.js";
import { appendLog } from "./log-view.js";
import { askPassword } from "./password-dialog.js";
import { renderProfiles } from "./profiles-view.js";
import { addSample, type Sample } from "./samples.js";
import { renderStatus, showActionError } from "./status-view.js";
import { bridge } from "./window-ferry.js";

const ferry = bridge();

let profiles: readonly ProfileSummary[] = [];
let health: Health = { state: "disconnected", bytesIn: 0, bytesOut: 0, rateInBps: 0, rateOutBps: 0 };
let samples: Sample[] = [];
/** A connect or disconnect in flight: the buttons wait for it. */
let busy = false;
/** Health events seen so far: a call's answer older than an event must not overwrite it. */
let healthEvents = 0;

function render(): void {
  const profileName = profiles.find((p) => p.id === health.profileId)?.name ?? health.profileId;
  renderStatus(health, profileName, samples);
  renderProfiles(byId("profiles"), profiles, health, busy, { connect, disconnect, diagnose });
}

function setHealth(next: Health): void {
  if (next.state === "disconnected" || next.state === "connecting") {
    if (health.state !== next.state) samples = [];
  } else if (next.state !== "error") samples = addSample(samples, next);
  health = next;
  render();
}

async function runAction(action: () => Promise<void>): Promise<void> {
  busy = true;
  showActionError(undefined);
  render();
  try {
    await action();
  } finally {
    busy = false;
    render();
  }
}

/** The health a call answered with, unless the service's events have already told something newer. */
async function answeredHealth<T>(
  call: () => Promise<T>,
  healthOf: (answer: T) => Health | undefined,
): Promise<T> {
  const seen = healthEvents;
  const answer = await call();
  const health = healthOf(answer);
  if (health !== undefined && healthEvents === seen) setHealth(health);
  return answer;
}

function connect(profile: ProfileSummary): Promise<void> {
  return runAction(async () => {
    const attempt = (password?: string) =>
      answeredHealth(
        () => ferry.connect(profile.id, password),
        (r) => (r.ok && !r.value.needsPassword ? r.value.health : undefined),
      );
    let result = await attempt();
    if (result.ok && result.value.needsPassword) {
      const password = await askPassword(profile.name, profile.userName);
      if (password === undefined) return;
      result = await attempt(password);
    }
    if (!result.ok) showActionError(result.error);
  });
}

function disconnect(): Promise<void> {
  return runAction(async () => {
    const result = await answeredHealth(
      () => ferry.disconnect(),
      (r) => (r.ok ? r.value : undefined),
    );
    if (!result.ok) showActionError(result.error);
  });
}

async function diagnose(profile: ProfileSummary): Promise<void> {
  showDiagnosing(profile.name);
  byId("diagnose").scrollIntoView({ block: "nearest" });
  showFindings(await ferry.diagnose(profile.id));
}

async function loadProfiles(): Promise<void> {
  const result = await ferry.listProfiles();
  if (result.ok) profiles = result.value;
  else showActionError(result.error);
  render();
}

function onEvent(event: ServiceEvent): void {
  switch (event.event) {
    case "health":
      healthEvents += 1;
      setHealth(event.health);
      return;
    case "log":
      appendLog(event.at, event.line);
      return;
    case "profiles-changed":
      void loadProfiles();
      return;
  }
}

async function start(): Promise<void> {
  setUpLegacyNote();
  byId("diagnose-close").addEventListener("click", () => {
    byId("diagnose").hidden = true;
  });
  window.addEventListener("resize", render);
  ferry.onEvent(onEvent);
  await loadProfiles();
  const status = await answeredHealth(
    () => ferry.status(),
    (r) => (r.ok ? r.value : undefined),
  );
  if (!status.ok) showActionError(status.error);
  document.body.dataset.ready = "true";
}

void start();
