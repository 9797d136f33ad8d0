/** `ferry profile validate` and `ferry profile import`: the profile tools for IT and for people moving to Ferry. */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { FerryError } from "@ferry/pptp-client";
import {
  importProfileFile,
  loadProfileFile,
  type OrganisationKey,
  type ProfileProblem,
  parseOrganisationKey,
  validateProfile,
  verifyProfileSignature,
} from "@ferry/profiles";
import { usageError } from "./usage-error.js";

export const PROFILE_USAGE = `Usage: ferry profile validate [--key ORG-KEY.pem ...] FILE...
       ferry profile import [--entry NAME] FILE

  validate FILE...   check connection profiles against the schema (resources/profile/profile.schema.json) and
                     Ferry's own rules; prints "FILE: OK", or each problem as "FILE: /json/path: what is wrong".
                     Exit status 0 when every file is OK, 1 when any is not.
    --key PEM        also require FILE.sig to be a valid signature by this organisation key (repeatable)
  import FILE        turn a Windows phonebook (rasphone.pbk) or a NetworkManager connection (.nmconnection) into
                     a profile: the profile JSON on standard output, what did not carry over on standard error.
                     Passwords are never imported.
    --entry NAME     the phonebook entry to import, when the phonebook holds several`;

export interface ProfileCommandIo {
  /** Standard output: results (OK lines, the imported profile). */
  readonly write: (line: string) => void;
  /** Standard error: problems and notes. */
  readonly error: (line: string) => void;
}

/** Exit status: 0 all good, 1 a file is bad (or cannot be imported), 2 a usage mistake. */
export async function runProfileCommand(args: readonly string[], io: ProfileCommandIo): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === "--help" || subcommand === "-h" || rest.includes("--help") || rest.includes("-h")) {
    io.write(PROFILE_USAGE);
    return 0;
  }
  if (subcommand === "validate") return validateCommand(rest, io);
  if (subcommand === "import") return importCommand(rest, io);
  return usage(
    io,
    usageError(
      subcommand === undefined
        ? "Name a subcommand: validate or import."
        : `Unknown subcommand "${subcommand}".`,
      "profile",
    ),
  );
}

async function validateCommand(args: readonly string[], io: ProfileCommandIo): Promise<number> {
  const parsed = parsedArgs(() =>
    parseArgs({
      args: [...args],
      options: { key: { type: "string", multiple: true } },
      allowPositionals: true,
    }),
  );
  if ("code" in parsed) return usage(io, parsed);
  const files = parsed.positionals;
  if (files.length === 0)
    return usage(io, usageError("Name at least one profile file to validate.", "profile"));
  const keyFiles = parsed.values.key ?? [];
  const keys: OrganisationKey[] = [];
  for (const keyFile of keyFiles) {
    const key = await readKey(keyFile);
    if ("code" in key) return usage(io, key);
    keys.push(key);
  }
  let allOk = true;
  for (const file of files) {
    const check = await loadProfileFile(file);
    const problems = check.ok ? [] : [...check.problems];
    if (keys.length > 0) problems.unshift(...(await signatureProblems(file, keys)));
    if (problems.length === 0) io.write(`${file}: OK`);
    else {
      allOk = false;
      for (const problem of problems) io.error(describe(file, problem));
    }
  }
  return allOk ? 0 : 1;
}

async function importCommand(args: readonly string[], io: ProfileCommandIo): Promise<number> {
  const parsed = parsedArgs(() =>
    parseArgs({ args: [...args], options: { entry: { type: "string" } }, allowPositionals: true }),
  );
  if ("code" in parsed) return usage(io, parsed);
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0)
    return usage(io, usageError("Name exactly one file to import.", "profile"));
  const result = await importProfileFile(file);
  if (!result.ok) {
    io.error(`${file}: ${result.reason}`);
    return 1;
  }
  const wanted = parsed.values.entry;
  const chosen =
    wanted === undefined
      ? result.profiles
      : result.profiles.filter((p) => p.source.toLowerCase() === wanted.toLowerCase());
  if (chosen.length !== 1) {
    const skipped = result.skipped.filter(
      (s) => wanted === undefined || s.source.toLowerCase() === wanted.toLowerCase(),
    );
    for (const s of skipped) io.error(`${file}: [${s.source}] ${s.reason}`);
    return chooseEntryFailure(
      file,
      wanted,
      result.profiles.map((p) => p.source),
      io,
    );
  }
  const { document, notes } = chosen[0]!.imported;
  io.write(JSON.stringify(document, null, 2));
  for (const note of notes) io.error(`${file}: ${note}`);
  const check = validateProfile(document);
  if (check.ok) return 0;
  for (const problem of check.problems) io.error(describe(file, problem));
  return 1;
}

function chooseEntryFailure(
  file: string,
  wanted: string | undefined,
  entries: readonly string[],
  io: ProfileCommandIo,
) {
  const list = entries.map((e) => `"${e}"`).join(", ");
  if (entries.length === 0) {
    io.error(`${file}: holds no PPTP connection to import.`);
    return 1;
  }
  if (wanted !== undefined) {
    io.error(`${file}: has no PPTP entry "${wanted}"; its PPTP entries are ${list}.`);
    return 1;
  }
  return usage(
    io,
    usageError(
      `${file} holds ${entries.length} PPTP entries (${list}): choose one with --entry NAME.`,
      "profile",
    ),
  );
}

/** The lines of `ferry profile validate`: "FILE: /json/path: sentence", or "FILE: sentence" for the whole file. */
function describe(file: string, problem: ProfileProblem): string {
  return problem.path === "" ? `${file}: ${problem.message}` : `${file}: ${problem.path}: ${problem.message}`;
}

async function readKey(file: string): Promise<OrganisationKey | FerryError> {
  let pem: string;
  try {
    pem = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    return usageError(`The key file ${file} could not be read (${code}).`, "profile");
  }
  const key = parseOrganisationKey(file, pem);
  return key.ok ? key.key : usageError(`The key file ${file} ${key.message}.`, "profile");
}

async function signatureProblems(file: string, keys: readonly OrganisationKey[]): Promise<ProfileProblem[]> {
  const bytes = await readFile(file).catch(() => undefined);
  if (bytes === undefined) return []; // loadProfileFile reports the unreadable file
  const signature = await readFile(`${file}.sig`, "utf8").catch(() => undefined);
  const verdict = verifyProfileSignature(bytes, signature, keys, keys.length);
  return verdict.ok ? [] : [{ path: "", message: verdict.message }];
}

/** parseArgs (strict) throws on an unknown option: that is a usage mistake. */
function parsedArgs<T>(parse: () => T): T | FerryError {
  try {
    return parse();
  } catch (error) {
    return usageError((error as Error).message, "profile");
  }
}

function usage(io: ProfileCommandIo, error: FerryError): number {
  io.error(`Error [${error.code}]: ${error.message}\n  Try: ${error.hint}`);
  return 2;
}
