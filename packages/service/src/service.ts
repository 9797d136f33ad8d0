/**
 * What ferryd's API does: the handlers the API server dispatches to, over the profiles it knows and the tunnel
 * manager. Requests are checked against the profile here; the tunnel itself is the manager's.
 */
import type { Finding } from "@ferry/wrap";
import { apiError, toApiError } from "./api/errors.js";
import type { ApiError, ConnectSecrets, Health } from "./api/protocol.js";
import type { ApiHandlers, Outcome } from "./api/server.js";
import type { ConnectProfile, ProfileSource } from "./profiles/profile-source.js";
import type { TunnelManager } from "./tunnel/tunnel-manager.js";

export interface ServiceParts {
  readonly profiles: ProfileSource;
  readonly tunnels: TunnelManager;
  /** The troubleshooting checklist against a profile's server and relay. */
  readonly diagnose: (profile: ConnectProfile) => Promise<readonly Finding[]>;
}

export function serviceHandlers(parts: ServiceParts): ApiHandlers {
  const { profiles, tunnels } = parts;
  const lookup = (id: string): Outcome<ConnectProfile> => {
    const profile = profiles.profile(id);
    if (profile !== undefined) return { ok: true, value: profile };
    const summary = profiles.listProfiles().find((p) => p.id === id);
    if (summary === undefined)
      return refuse(
        apiError(
          "PROFILE_UNKNOWN",
          `There is no profile "${id}".`,
          "List the profiles (list-profiles) and pick one.",
        ),
      );
    const problems = summary.problems.map((p) => `${p.path || "/"}: ${p.message}`).join("; ");
    return refuse(
      apiError(
        "PROFILE_INVALID",
        `The profile "${id}" cannot be used: ${problems}.`,
        "Fix the profile file.",
      ),
    );
  };
  return {
    status: () => tunnels.health(),
    listProfiles: () => profiles.listProfiles(),
    async connect(profileId: string, secrets: ConnectSecrets): Promise<Outcome<Health>> {
      const found = lookup(profileId);
      if (!found.ok) return found;
      const profile = found.value;
      if (profile.transport === "wrap" && secrets.relayToken === undefined)
        return refuse(
          apiError(
            "RELAY_TOKEN_MISSING",
            `The profile "${profileId}" always goes through the relay, and no relay token was given.`,
            "Store the relay token for this profile in the app's settings (it is kept in your keychain).",
          ),
        );
      return { ok: true, value: await tunnels.connect(profile, secrets) };
    },
    disconnect: () => tunnels.disconnect(),
    async diagnose(profileId: string): Promise<Outcome<readonly Finding[]>> {
      const found = lookup(profileId);
      return found.ok ? { ok: true, value: await parts.diagnose(found.value) } : found;
    },
    backlog: () => tunnels.logs().map(({ at, line }) => ({ event: "log", at, line })),
  };
}

function refuse(error: Parameters<typeof toApiError>[0]): { readonly ok: false; readonly error: ApiError } {
  return { ok: false, error: toApiError(error) };
}
