// Run by keytar-keychain.test.ts inside its own D-Bus session: prints what the keychain did, as one JSON line.
import { KEYCHAIN_SERVICE, keychainAccount, readConnectSecrets } from "../../src/keychain/keychain.js";
import { keytarKeychain } from "../../src/keychain/keytar-keychain.js";

const keychain = keytarKeychain();
const account = keychainAccount(`fy-test-${process.pid}`, "alice", "password");
const before = (await keychain.get(KEYCHAIN_SERVICE, account)) ?? null;
await keychain.set(KEYCHAIN_SERVICE, account, "s3cr3t-ü-pass");
const stored = await keychain.get(KEYCHAIN_SERVICE, account);
const secrets = await readConnectSecrets(keychain, {
  id: `fy-test-${process.pid}`,
  userName: "alice",
  usesRelay: true,
});
const deleted = await keychain.delete(KEYCHAIN_SERVICE, account);
const after = (await keychain.get(KEYCHAIN_SERVICE, account)) ?? null;
console.log(JSON.stringify({ before, stored, secrets, deleted, after }));
