/**
 * A user's override of a managed profile: a file in the user folder with the managed profile's id and only the
 * fields the user changes (typically userName). Locked fields keep the organisation's value, and an override that
 * would make the profile invalid is not applied at all: a user's mistake never breaks a managed profile.
 */
import type { Profile, ProfileProblem } from "../profile.js";
import { isAtOrBelow, isPlainObject, pointer, valueAt } from "../validate/json-pointer.js";
import { validateProfile } from "../validate/validate-profile.js";

/** Always locked: the id ties the override to its profile, and only the organisation decides what is locked. */
const ALWAYS_LOCKED = ["/id", "/locked"];

export interface OverrideResult {
  readonly profile: Profile;
  /** What was not applied and why; the paths are in the override file. */
  readonly notices: readonly ProfileProblem[];
}

export function applyOverride(systemDocument: unknown, system: Profile, override: unknown): OverrideResult {
  if (!isPlainObject(override))
    return {
      profile: system,
      notices: [{ path: "", message: "is not applied: it must be an object of the fields to change" }],
    };
  const locked = [...ALWAYS_LOCKED, ...system.locked];
  const merged = structuredClone(systemDocument) as Record<string, unknown>;
  const notices: ProfileProblem[] = [];
  for (const [tokens, value] of leaves(override, [])) {
    const path = pointer(tokens);
    const guarded = locked.some((k) => isAtOrBelow(path, k) || isAtOrBelow(k, path));
    if (!guarded) setAt(merged, tokens, value);
    else if (!deepEqual(value, valueAt(system, tokens)))
      notices.push({ path, message: "is locked by your organisation: the managed value is used" });
  }
  const check = validateProfile(merged);
  if (check.ok) return { profile: check.profile, notices };
  return {
    profile: system,
    notices: [{ path: "", message: "is not applied: it would make the profile invalid" }, ...check.problems],
  };
}

/**
 * The override's values down to the first non-object: a list or a scalar replaces the managed value whole, an
 * object is merged field by field (so an empty one changes nothing).
 */
function leaves(value: Record<string, unknown>, tokens: readonly string[]): [readonly string[], unknown][] {
  return Object.entries(value).flatMap(([key, child]): [readonly string[], unknown][] =>
    isPlainObject(child) ? leaves(child, [...tokens, key]) : [[[...tokens, key], child]],
  );
}

function setAt(target: Record<string, unknown>, tokens: readonly string[], value: unknown): void {
  let node = target;
  for (const token of tokens.slice(0, -1)) {
    const next = Object.hasOwn(node, token) ? node[token] : undefined;
    if (isPlainObject(next)) node = next;
    else {
      const created: Record<string, unknown> = {};
      Object.defineProperty(node, token, {
        value: created,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      node = created;
    }
  }
  // defineProperty, not assignment: a key named "__proto__" stays a plain (and then rejected) field.
  Object.defineProperty(node, tokens.at(-1)!, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}
