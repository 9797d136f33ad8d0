import { createAuthClient } from "../ppp/auth/create-auth-client.js";
import type { PppLinkConfig } from "../ppp/ppp-link.js";
import type { SessionConfig } from "./config.js";

/** The client role's PPP settings, derived from the session's. */
export function clientPppLinkConfig(config: SessionConfig): PppLinkConfig {
  const { timers, mppe } = config;
  const credentials = { userName: config.userName, password: config.password };
  return {
    // Header compression saves 3 bytes a packet; the server decides whether to honour it.
    lcp: { mru: config.mru, pfc: true, acfc: true },
    ipcp: { requestDns: true },
    ccp: {
      strengths: mppe.strengths,
      allowStateless: mppe.allowStateless,
      allowStateful: mppe.allowStateful,
      required: mppe.required,
    },
    auth: {
      allowedMethods: config.authMethods,
      createClient: (method) => createAuthClient(method, credentials, config.random),
    },
    echoIntervalMs: timers.lcpEchoIntervalMs,
    echoFailures: timers.lcpEchoFailures,
    restartTimerMs: timers.restartMs,
  };
}
