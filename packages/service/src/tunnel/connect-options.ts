/** A profile and the secrets of one connect, turned into the connect policy's options. */
import type { SessionOptions } from "@ferry/pptp-client";
import type { ConfigureNetwork } from "@ferry/pptp-client/tunnel";
import type { ConnectEvent, ConnectOptions } from "@ferry/wrap";
import type { ConnectSecrets } from "../api/protocol.js";
import type { ConnectProfile } from "../profiles/profile-source.js";

export interface ConnectEnvironment {
  readonly configureFor: (profile: ConnectProfile) => ConfigureNetwork;
  readonly decisionsFile: string;
  readonly onEvent: (event: ConnectEvent) => void;
}

export function connectOptionsFor(
  profile: ConnectProfile,
  secrets: ConnectSecrets,
  env: ConnectEnvironment,
): ConnectOptions {
  const relay = profile.relay;
  return {
    server: profile.server,
    session: {
      userName: profile.userName,
      password: secrets.password,
      mtu: profile.mtu,
      mppe: mppeOptions(profile.mppe),
      ...(profile.keepalive === undefined
        ? {}
        : {
            timers: {
              lcpEchoIntervalMs: profile.keepalive.lcpEchoIntervalMs,
              lcpEchoFailures: profile.keepalive.failures,
            },
          }),
    },
    transport: profile.transport,
    // Without a token the relay cannot be used: `auto` then goes direct, `wrap` explains what is missing.
    ...(relay === undefined || secrets.relayToken === undefined
      ? {}
      : { relay: { url: relay.url, trust: relay.trust, token: secrets.relayToken } }),
    ...(profile.greTimeoutMs === undefined ? {} : { greTimeoutMs: profile.greTimeoutMs }),
    decisionsFile: env.decisionsFile,
    configure: env.configureFor(profile),
    onEvent: env.onEvent,
  };
}

function mppeOptions(mppe: ConnectProfile["mppe"]): SessionOptions["mppe"] {
  const strength =
    mppe.strength === "128"
      ? { required: true, strengths: [128] as const }
      : { required: mppe.strength === "any", strengths: [128, 56, 40] as const };
  return mppe.stateful ? { ...strength, allowStateless: false, allowStateful: true } : strength;
}
