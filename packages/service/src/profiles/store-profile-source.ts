/**
 * The profiles of the user and system folders (@ferry/profiles' ProfileStore) as the service sees them: summaries for
 * the GUI, including broken profiles with their problems, and connect settings for the usable ones.
 */
import type { ListedProfile, Profile, ProfileStore } from "@ferry/profiles";
import type { TlsTrust } from "@ferry/wrap";
import type { ProfileSummary } from "../api/protocol.js";
import type { ConnectProfile, ProfileSource } from "./profile-source.js";

const NO_USER_NAME = {
  path: "/userName",
  message:
    "The profile names no user: add your user name (for a managed profile, in your own override file).",
};

export function storeProfileSource(store: ProfileStore): ProfileSource {
  return {
    listProfiles: () => store.list().map(summaryOf),
    profile: (id) => {
      const listed = store.find(id);
      if (listed?.profile === undefined || listed.problems.length > 0) return undefined;
      return connectProfileOf(listed.profile);
    },
    onChange: (listener) => store.onChange(() => listener()),
  };
}

export function summaryOf(listed: ListedProfile): ProfileSummary {
  const profile = listed.profile;
  const problems = [...listed.problems];
  if (profile !== undefined && profile.userName === undefined) problems.push(NO_USER_NAME);
  return {
    id: listed.id,
    name: listed.name,
    server: profile?.server ?? "",
    userName: profile?.userName ?? "",
    transport: profile?.transport.mode ?? "auto",
    managed: listed.managed,
    locked: profile?.locked ?? [],
    usesRelay:
      profile !== undefined && profile.transport.mode !== "direct" && profile.transport.relay !== undefined,
    problems,
  };
}

/** Undefined for a profile without a user name: it cannot connect until the user adds one. */
export function connectProfileOf(profile: Profile): ConnectProfile | undefined {
  if (profile.userName === undefined) return undefined;
  const { mode, relay, greTimeoutSeconds } = profile.transport;
  return {
    id: profile.id,
    server: profile.server,
    userName: profile.userName,
    transport: mode,
    ...(relay === undefined ? {} : { relay: { url: relay.url, trust: trustOf(relay) } }),
    mppe: { strength: profile.mppe.policy, stateful: profile.mppe.stateful },
    mtu: profile.mtu,
    routes: profile.routes,
    dns: profile.dns,
    keepalive: {
      lcpEchoIntervalMs: profile.keepalive.lcpEchoIntervalSeconds * 1000,
      failures: profile.keepalive.failures,
    },
    ...(greTimeoutSeconds === undefined ? {} : { greTimeoutMs: greTimeoutSeconds * 1000 }),
  };
}

function trustOf(relay: NonNullable<Profile["transport"]["relay"]>): TlsTrust {
  if (relay.caFile !== undefined) return { kind: "ca", caFile: relay.caFile };
  if (relay.fingerprintSha256 !== undefined) return { kind: "fingerprint", sha256: relay.fingerprintSha256 };
  return { kind: "system" };
}
