/** `@ferry/service/keychain`: kept apart from the main entry so ferryd never loads keytar's native module. */
export * from "./keychain.js";
export { keytarKeychain } from "./keytar-keychain.js";
