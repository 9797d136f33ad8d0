/**
 * @ferry/profiles: connection profiles. The JSON Schema (resources/profile/profile.schema.json) and the checks
 * beyond it, the user and system folders with signing and user overrides, a watching store, and imports from
 * Windows phonebooks and NetworkManager.
 */
export * from "./import/import-file.js";
export { type ImportedProfile, PASSWORD_NOT_IMPORTED, slugFromName } from "./import/import-result.js";
export { type ConnectionImport, importNmConnection } from "./import/nm-connection.js";
export { type EntryImport, importPhonebook } from "./import/phonebook.js";
export * from "./profile.js";
export {
  keysDir,
  LINUX_SYSTEM_PROFILES_DIR,
  loadProfileFile,
  MAX_PROFILE_BYTES,
  type ProfileFolders,
  readProfileFolders,
  systemProfilesDir,
  userProfilesDir,
} from "./store/profile-folders.js";
export { ProfileStore, type ProfileStoreOptions } from "./store/profile-store.js";
export * from "./store/resolve-profiles.js";
export * from "./store/signature.js";
export { PROFILE_SCHEMA_PATH, profileSchema, schemaFieldPaths } from "./validate/profile-schema.js";
export { checkProfileText, validateProfile } from "./validate/validate-profile.js";
