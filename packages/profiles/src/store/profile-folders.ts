/** Where profiles live, and reading those folders into a snapshot (the only file system access of the store). */
import type { Stats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ProfileCheck } from "../profile.js";
import { checkProfileText } from "../validate/validate-profile.js";
import type { FolderFile, FolderProblem, FolderSnapshot, SystemProfileFile } from "./resolve-profiles.js";

export const LINUX_SYSTEM_PROFILES_DIR = "/etc/ferry/profiles.d";

/** Profiles and keys are small; anything bigger is a mistake, not something to read into memory. */
export const MAX_PROFILE_BYTES = 1024 * 1024;

export interface ProfileFolders {
  /** The user's own profiles and overrides; undefined: none. */
  readonly userDir?: string;
  /** The profiles IT pushes (read-only to users); undefined: none. */
  readonly systemDir?: string;
}

/** The user profiles folder: $XDG_CONFIG_HOME/ferry/profiles (Linux), or the platform's equivalent. */
export function userProfilesDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === "win32") return join(env.APPDATA ?? join(home, "AppData", "Roaming"), "Ferry", "profiles");
  if (platform === "darwin") return join(home, "Library", "Application Support", "Ferry", "profiles");
  const config = env.XDG_CONFIG_HOME?.startsWith("/") ? env.XDG_CONFIG_HOME : join(home, ".config");
  return join(config, "ferry", "profiles");
}

/** The system profiles folder IT writes to: /etc/ferry/profiles.d on Linux. */
export function systemProfilesDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === "win32") return join(env.ProgramData ?? "C:\\ProgramData", "Ferry", "profiles.d");
  if (platform === "darwin") return "/Library/Application Support/Ferry/profiles.d";
  return LINUX_SYSTEM_PROFILES_DIR;
}

/** The folder of the organisation's public keys inside the system folder. */
export function keysDir(systemDir: string): string {
  return join(systemDir, "keys");
}

export async function readProfileFolders(folders: ProfileFolders): Promise<FolderSnapshot> {
  const folderProblems: FolderProblem[] = [];
  const list = async (dir: string | undefined, suffix: string): Promise<string[]> => {
    if (dir === undefined) return [];
    const listed = await listFolder(dir, suffix);
    if ("problem" in listed) folderProblems.push(listed.problem);
    return "names" in listed ? listed.names.map((name) => join(dir, name)) : [];
  };
  const systemDir = folders.systemDir;
  const [systemPaths, keyPaths, userPaths] = await Promise.all([
    list(systemDir, ".json"),
    list(systemDir === undefined ? undefined : keysDir(systemDir), ".pem"),
    list(folders.userDir, ".json"),
  ]);
  const systemFiles = await Promise.all(systemPaths.map(readSystemFile));
  return {
    systemFiles,
    keyFiles: await Promise.all(keyPaths.map(readFolderFile)),
    userFiles: await Promise.all(userPaths.map(readFolderFile)),
    folderProblems,
  };
}

/** Reads and validates one profile file on its own (no signature, no override): `ferry profile validate`. */
export async function loadProfileFile(path: string): Promise<ProfileCheck> {
  const read = await readFolderFile(path);
  if (read.bytes === undefined)
    return {
      ok: false,
      problems: [{ path: "", message: `could not be read (${read.readError ?? "unknown error"})` }],
    };
  return checkProfileText(Buffer.from(read.bytes).toString("utf8"));
}

async function listFolder(
  dir: string,
  suffix: string,
): Promise<{ readonly names: string[] } | { readonly problem: FolderProblem } | { readonly missing: true }> {
  try {
    const names = await readdir(dir);
    // Hidden files are editor swap files and half-written copies; only NAME.json (or NAME.pem) counts.
    return { names: names.filter((n) => !n.startsWith(".") && n.toLowerCase().endsWith(suffix)).sort() };
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return { missing: true };
    return { problem: { file: dir, message: `could not be listed (${code})` } };
  }
}

async function readSystemFile(file: string): Promise<SystemProfileFile> {
  const read = await readFolderFile(file);
  const signature = await readFolderFile(`${file}.sig`);
  if (signature.bytes === undefined) return read;
  return { ...read, signature: Buffer.from(signature.bytes).toString("utf8") };
}

async function readFolderFile(file: string): Promise<FolderFile> {
  let stats: Stats;
  try {
    stats = await stat(file);
  } catch (error) {
    return { file, readError: errnoCode(error) };
  }
  if (!stats.isFile()) return { file, readError: "not a regular file" };
  if (stats.size > MAX_PROFILE_BYTES) return { file, readError: `larger than ${MAX_PROFILE_BYTES} bytes` };
  try {
    return { file, bytes: await readFile(file) };
  } catch (error) {
    return { file, readError: errnoCode(error) };
  }
}

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? "unknown error";
}
