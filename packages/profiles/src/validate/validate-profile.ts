/** Checks a profile document against the schema and the semantic rules; never throws, whatever it is given. */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { Profile, ProfileCheck, ProfileProblem } from "../profile.js";
import { PROFILE_SCHEMA_PATH, profileSchema, schemaFieldPaths } from "./profile-schema.js";
import { problemsFromSchemaErrors } from "./schema-problems.js";
import { semanticProblems } from "./semantic-checks.js";

interface Checker {
  readonly validate: ValidateFunction;
  readonly fieldPaths: ReadonlySet<string>;
}

let checker: Checker | undefined;

function compiled(): Checker {
  if (checker === undefined) {
    // strictRequired off: "then" and "not" name properties defined next to them, which strict mode cannot see.
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      useDefaults: true,
      strict: true,
      strictRequired: false,
    });
    addFormats.default(ajv, ["hostname"]);
    const schema = profileSchema();
    checker = { validate: ajv.compile(schema), fieldPaths: schemaFieldPaths(schema) };
  }
  return checker;
}

export function validateProfile(document: unknown): ProfileCheck {
  const copy = jsonCopy(document); // useDefaults writes into the document: never into the caller's
  if (copy === undefined) return { ok: false, problems: [{ path: "", message: "is not JSON data" }] };
  let validate: ValidateFunction;
  let fieldPaths: ReadonlySet<string>;
  try {
    ({ validate, fieldPaths } = compiled());
  } catch (error) {
    // A broken installation (the schema file missing) must not look like a crash in every caller.
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const message = `cannot be checked: the profile schema ${PROFILE_SCHEMA_PATH} could not be loaded (${reason})`;
    return { ok: false, problems: [{ path: "", message }] };
  }
  const valid = validate(copy);
  const problems = valid ? [] : problemsFromSchemaErrors(validate.errors ?? []);
  const reported = new Set(problems.map((p) => p.path));
  for (const problem of semanticProblems(copy, fieldPaths))
    if (!reported.has(problem.path)) problems.push(problem);
  if (problems.length > 0) return { ok: false, problems: byPath(dedupe(problems)) };
  const { $schema: _editorHint, ...profile } = copy as Profile & { $schema?: string };
  return { ok: true, profile };
}

/** Parses a profile file's text (a UTF-8 BOM is allowed: Windows editors write one) and validates it. */
export function checkProfileText(text: string): ProfileCheck {
  const parsed = parseJson(text);
  return "problem" in parsed ? { ok: false, problems: [parsed.problem] } : validateProfile(parsed.value);
}

export function parseJson(text: string): { readonly value: unknown } | { readonly problem: ProfileProblem } {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  try {
    return { value: JSON.parse(body) };
  } catch (error) {
    // V8's message quotes the text around the mistake, which may be a password: say only where it is.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    const where = position === undefined ? "" : ` (${lineAndColumn(body, Number(position))})`;
    return { problem: { path: "", message: `is not valid JSON${where}` } };
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function jsonCopy(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined; // a BigInt or a cycle: not something a JSON file can hold
  }
}

function dedupe(problems: readonly ProfileProblem[]): ProfileProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function byPath(problems: readonly ProfileProblem[]): ProfileProblem[] {
  return [...problems].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
