import type { ErrorCode, FerryError } from "../errors.js";

/**
 * The outcome of opening an OS resource: the resource, or why it could not be had. Errors are values here too.
 * `Code` widens for layers that add codes of their own.
 */
export type IoResult<T, Code extends string = ErrorCode> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: FerryError<Code> };

export function opened<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function failed<Code extends string = ErrorCode>(
  error: FerryError<Code>,
): { readonly ok: false; readonly error: FerryError<Code> } {
  return { ok: false, error };
}
