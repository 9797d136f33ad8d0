/**
 * A ServiceClient that survives ferryd restarts: it connects on first use, and when a call fails and the service
 * no longer answers a status request either, it drops the connection so the next call connects afresh and
 * re-subscribes. The GUI can therefore start before the service, and outlive a service restart.
 */
import type { ServiceClient, ServiceEvent } from "../shared/service-api.js";

export function reconnectingClient(connect: () => Promise<ServiceClient>): ServiceClient {
  let current: Promise<ServiceClient> | undefined;
  const listeners = new Set<(event: ServiceEvent) => void>();
  const fanOut = (event: ServiceEvent) => {
    for (const listener of listeners) listener(event);
  };
  const subscribed = new WeakSet<ServiceClient>();
  const ensureSubscribed = async (client: ServiceClient) => {
    if (listeners.size === 0 || subscribed.has(client)) return;
    subscribed.add(client);
    await client.subscribe(fanOut);
  };

  const get = (): Promise<ServiceClient> => {
    if (current === undefined) {
      const attempt = connect().then(async (client) => {
        await ensureSubscribed(client);
        return client;
      });
      current = attempt;
      attempt.catch(() => {
        if (current === attempt) current = undefined;
      });
    }
    return current;
  };

  /** A failed call is either the service saying no (the link is fine) or a dead link: ask it something to tell. */
  const call = async <T>(run: (client: ServiceClient) => Promise<T>): Promise<T> => {
    const attempt = get();
    const client = await attempt;
    try {
      return await run(client);
    } catch (error) {
      const alive = await client.status().then(
        () => true,
        () => false,
      );
      if (!alive && current === attempt) {
        current = undefined;
        client.close();
      }
      throw error;
    }
  };

  return {
    status: () => call((c) => c.status()),
    listProfiles: () => call((c) => c.listProfiles()),
    connect: (profileId, secrets) => call((c) => c.connect(profileId, secrets)),
    disconnect: () => call((c) => c.disconnect()),
    diagnose: (profileId) => call((c) => c.diagnose(profileId)),
    subscribe: async (onEvent) => {
      listeners.add(onEvent);
      await ensureSubscribed(await get());
      return () => listeners.delete(onEvent);
    },
    close: () => {
      const closing = current;
      current = undefined;
      void closing?.then((client) => client.close()).catch(() => undefined);
    },
  };
}
