/**
 * From what the folders hold to the list of profiles: signatures, validation, unique ids, user overrides of
 * managed profiles. Pure: the store reads the folders and calls this; tests call it with made-up folders.
 */
import { basename } from "node:path";
import type { Profile, ProfileProblem } from "../profile.js";
import { isPlainObject } from "../validate/json-pointer.js";
import { parseJson, validateProfile } from "../validate/validate-profile.js";
import { applyOverride } from "./override.js";
import { type OrganisationKey, parseOrganisationKey, verifyProfileSignature } from "./signature.js";

/** A file as read from a folder; `readError` when it could not be read (then there are no bytes). */
export interface FolderFile {
  readonly file: string;
  readonly bytes?: Uint8Array;
  readonly readError?: string;
}

export interface SystemProfileFile extends FolderFile {
  /** The text of NAME.json.sig next to it, when there is one. */
  readonly signature?: string;
}

export interface FolderSnapshot {
  readonly systemFiles: readonly SystemProfileFile[];
  readonly keyFiles: readonly FolderFile[];
  readonly userFiles: readonly FolderFile[];
  /** Folders that exist but could not be listed. */
  readonly folderProblems: readonly FolderProblem[];
}

export interface FolderProblem {
  readonly file: string;
  readonly message: string;
}

export interface ListedProfile {
  readonly id: string;
  /** The profile's name; the id when the file is too broken to have one. */
  readonly name: string;
  readonly file: string;
  /** Pushed by IT into the system folder: read-only to the user, its locked fields cannot be changed. */
  readonly managed: boolean;
  /** The profile to connect with (with the user's override applied); absent when there are problems. */
  readonly profile?: Profile;
  /** Why the profile cannot be used; empty when it can. */
  readonly problems: readonly ProfileProblem[];
  /** The user's override of a managed profile, and what of it was not applied. */
  readonly override?: { readonly file: string; readonly notices: readonly ProfileProblem[] };
  /** The organisation key file that verified the signature. */
  readonly signedBy?: string;
}

export interface ProfileListing {
  readonly profiles: readonly ListedProfile[];
  readonly folderProblems: readonly FolderProblem[];
}

export function resolveProfiles(snapshot: FolderSnapshot): ProfileListing {
  const folderProblems: FolderProblem[] = [...snapshot.folderProblems];
  const keys: OrganisationKey[] = [];
  for (const keyFile of byFile(snapshot.keyFiles)) {
    const check =
      keyFile.bytes === undefined
        ? { ok: false as const, message: `could not be read (${keyFile.readError ?? "unknown error"})` }
        : parseOrganisationKey(basename(keyFile.file), Buffer.from(keyFile.bytes).toString("utf8"));
    if (check.ok) keys.push(check.key);
    else folderProblems.push({ file: keyFile.file, message: check.message });
  }

  const managed: Entry[] = [];
  for (const file of byFile(snapshot.systemFiles)) {
    const entry = systemEntry(file, keys, snapshot.keyFiles.length);
    managed.push(withUniqueId(entry, managed));
  }

  const own: Entry[] = [];
  for (const file of byFile(snapshot.userFiles)) {
    const read = readDocument(file);
    const target = managed.find((m) => m.listed.id === read.id);
    if (target === undefined) {
      own.push(withUniqueId(checkedEntry(file.file, read, false), own));
      continue;
    }
    const earlier = target.listed.override;
    if (earlier !== undefined) {
      // Ids stay unique in the list: the extra override is noted on the profile, not listed on its own.
      const ignored = {
        path: "",
        message: `${file.file} also overrides this profile and is ignored: keep one`,
      };
      target.listed = { ...target.listed, override: { ...earlier, notices: [...earlier.notices, ignored] } };
      continue;
    }
    target.listed = withOverride(target, file.file, read);
  }
  return { profiles: [...managed, ...own].map((e) => e.listed), folderProblems };
}

interface Entry {
  /** The validated file's document, the base an override is merged onto. */
  readonly document: unknown;
  listed: ListedProfile;
}

interface ReadDocument {
  readonly id: string;
  readonly document?: unknown;
  readonly problem?: ProfileProblem;
}

function systemEntry(file: SystemProfileFile, keys: readonly OrganisationKey[], keyFiles: number): Entry {
  const read = readDocument(file);
  if (file.bytes === undefined) return checkedEntry(file.file, read, true);
  const verdict = verifyProfileSignature(file.bytes, file.signature, keys, keyFiles);
  if (!verdict.ok)
    return {
      document: undefined,
      listed: broken(file.file, read.id, true, [{ path: "", message: verdict.message }]),
    };
  const entry = checkedEntry(file.file, read, true);
  if (verdict.signedBy !== undefined) entry.listed = { ...entry.listed, signedBy: verdict.signedBy };
  return entry;
}

function readDocument(file: FolderFile): ReadDocument {
  const fallbackId = basename(file.file).replace(/\.json$/i, "");
  if (file.bytes === undefined)
    return {
      id: fallbackId,
      problem: { path: "", message: `could not be read (${file.readError ?? "unknown error"})` },
    };
  const parsed = parseJson(Buffer.from(file.bytes).toString("utf8"));
  if ("problem" in parsed) return { id: fallbackId, problem: parsed.problem };
  const id =
    isPlainObject(parsed.value) && typeof parsed.value.id === "string" ? parsed.value.id : fallbackId;
  return { id, document: parsed.value };
}

function checkedEntry(file: string, read: ReadDocument, managed: boolean): Entry {
  if (read.problem !== undefined)
    return { document: undefined, listed: broken(file, read.id, managed, [read.problem]) };
  const check = validateProfile(read.document);
  if (!check.ok) {
    const name =
      isPlainObject(read.document) && typeof read.document.name === "string" ? read.document.name : read.id;
    return { document: undefined, listed: { ...broken(file, read.id, managed, check.problems), name } };
  }
  const { profile } = check;
  return {
    document: read.document,
    listed: { id: profile.id, name: profile.name, file, managed, profile, problems: [] },
  };
}

function broken(
  file: string,
  id: string,
  managed: boolean,
  problems: readonly ProfileProblem[],
): ListedProfile {
  return { id, name: id, file, managed, problems };
}

/** Two files of one folder claiming the same id: the first (by file name) keeps it. */
function withUniqueId(entry: Entry, earlier: readonly Entry[]): Entry {
  const first = earlier.find((e) => e.listed.id === entry.listed.id);
  if (first === undefined) return entry;
  const { profile: _unusable, ...listed } = entry.listed;
  return {
    document: undefined,
    listed: {
      ...listed,
      problems: [
        ...listed.problems,
        { path: "/id", message: `is also the id of ${first.listed.file}: ids must be unique` },
      ],
    },
  };
}

function withOverride(target: Entry, file: string, read: ReadDocument): ListedProfile {
  const listed = target.listed;
  if (read.problem !== undefined) return { ...listed, override: { file, notices: [read.problem] } };
  if (listed.profile === undefined)
    return {
      ...listed,
      override: {
        file,
        notices: [{ path: "", message: "is not applied: the managed profile itself cannot be used" }],
      },
    };
  const { profile, notices } = applyOverride(target.document, listed.profile, read.document);
  return { ...listed, name: profile.name, profile, override: { file, notices } };
}

function byFile<T extends FolderFile>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
