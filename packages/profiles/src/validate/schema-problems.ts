/**
 * Ajv's errors as problems a person can act on: one sentence per field, at the field's JSON path. The sentences
 * come from the schema's own `title`s ("must be a whole number from 576 to 1500"), so wording lives in one place.
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import type { ProfileProblem } from "../profile.js";
import { escapeToken, isPlainObject } from "./json-pointer.js";

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  null: "null",
};

/** Field names that suggest someone is about to store a secret in the file. */
const SECRET_NAME = /pass(word)?|secret|token|pwd/i;

/** Needs errors produced with `verbose: true` (each error carries its schema and parent schema). */
export function problemsFromSchemaErrors(errors: readonly ErrorObject[]): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  for (const error of withoutLosingBranches(errors)) {
    const problem = describe(error);
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

/**
 * A failed anyOf reports every branch's complaint. A branch whose errors are not about the kind of value (it is a
 * list, as the branch wants, but an item is wrong) is the one the author meant: its errors are the useful ones.
 * When no branch fits the kind of value, the anyOf itself says what the value may be.
 */
function withoutLosingBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfs = errors.filter((e) => e.keyword === "anyOf");
  const anyOfOf = (e: ErrorObject) => anyOfs.find((a) => e.schemaPath.startsWith(`${a.schemaPath}/`));
  const branchOf = (e: ErrorObject, anyOf: ErrorObject) =>
    `${anyOf.schemaPath}/${e.schemaPath.slice(anyOf.schemaPath.length).split("/")[1]}`;
  const wrongKind = new Set<string>();
  const branches = new Set<string>();
  for (const e of errors) {
    const anyOf = anyOfOf(e);
    if (anyOf === undefined) continue;
    branches.add(branchOf(e, anyOf));
    if (e.instancePath === anyOf.instancePath && KIND_KEYWORDS.has(e.keyword))
      wrongKind.add(branchOf(e, anyOf));
  }
  const fitting = new Set([...branches].filter((b) => !wrongKind.has(b)));
  return errors.filter((e) => {
    if (e.keyword === "anyOf") return ![...fitting].some((b) => b.startsWith(`${e.schemaPath}/`));
    const anyOf = anyOfOf(e);
    return anyOf === undefined || fitting.has(branchOf(e, anyOf));
  });
}

/** Errors that say the value is of another kind than a branch wants. */
const KIND_KEYWORDS = new Set(["type", "const", "enum"]);

function describe(error: ErrorObject): ProfileProblem | undefined {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const parent = isPlainObject(error.parentSchema) ? error.parentSchema : {};
  const title = typeof parent.title === "string" ? parent.title : undefined;
  switch (error.keyword) {
    case "if":
      return undefined; // the failing "then" reports the actual problem
    case "required": {
      const missing = String(params.missingProperty);
      return {
        path: `${at}/${escapeToken(missing)}`,
        message: title === undefined ? "is required" : `is required: ${title}`,
      };
    }
    case "additionalProperties": {
      const name = String(params.additionalProperty);
      return { path: `${at}/${escapeToken(name)}`, message: unknownField(name, parent) };
    }
    case "type":
      return {
        path: at,
        message: `must be ${title ?? TYPE_WORDS[String(params.type)] ?? String(params.type)}`,
      };
    case "enum":
      return { path: at, message: `must be ${alternatives((params.allowedValues as unknown[]).map(quote))}` };
    case "const":
      return { path: at, message: `must be ${quote(params.allowedValue)}` };
    case "anyOf": {
      const branches = Array.isArray(error.schema) ? error.schema : [];
      const titles = branches.map((b) => (isPlainObject(b) && typeof b.title === "string" ? b.title : "?"));
      return { path: at, message: `must be ${alternatives(titles)}` };
    }
    case "not": {
      const names =
        isPlainObject(error.schema) && Array.isArray(error.schema.required) ? error.schema.required : [];
      return {
        path: at,
        message: `${alternatives(names.map(String), "and")} exclude each other: choose one`,
      };
    }
    case "uniqueItems": {
      const [earlier, later] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return { path: `${at}/${later}`, message: `repeats ${at}/${earlier}` };
    }
    case "maxItems":
      return { path: at, message: `has more than ${String(params.limit)} entries` };
    default:
      return {
        path: at,
        message: title === undefined ? (error.message ?? "is not valid") : `must be ${title}`,
      };
  }
}

function unknownField(name: string, parent: Record<string, unknown>): string {
  if (SECRET_NAME.test(name))
    return "must not be here: secrets never go in a profile; Ferry keeps the password and relay token in the keychain";
  const known = isPlainObject(parent.properties) ? Object.keys(parent.properties) : [];
  const close = known.find((k) => editDistance(k.toLowerCase(), name.toLowerCase()) <= 2);
  return close === undefined ? "is not a known field" : `is not a known field: did you mean ${close}?`;
}

function quote(value: unknown): string {
  return JSON.stringify(value);
}

function alternatives(items: readonly string[], last = "or"): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} ${last} ${items.at(-1)}`;
}

/** Levenshtein distance, for "did you mean" on short field names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}
