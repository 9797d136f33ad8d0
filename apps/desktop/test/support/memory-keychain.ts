/** A keychain in a Map, for tests; `entries()` lets a test see exactly what was stored. */
import type { Keychain } from "@ferry/service/keychain";

export interface MemoryKeychain extends Keychain {
  entries(): ReadonlyMap<string, string>;
}

export function memoryKeychain(initial: Readonly<Record<string, string>> = {}): MemoryKeychain {
  const store = new Map<string, string>(
    Object.entries(initial).map(([account, secret]) => [`ferry/${account}`, secret]),
  );
  return {
    get: async (service, account) => store.get(`${service}/${account}`),
    set: async (service, account, secret) => {
      store.set(`${service}/${account}`, secret);
    },
    delete: async (service, account) => store.delete(`${service}/${account}`),
    entries: () => store,
  };
}
