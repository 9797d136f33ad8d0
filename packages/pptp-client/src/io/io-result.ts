import type { FerryError } from "../errors.js";

/** The outcome of opening an OS resource: the resource, or why it could not be had. Errors are values here too. */
export type IoResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: FerryError };

export function opened<T>(value: T): IoResult<T> {
  return { ok: true, value };
}

export function failed<T = never>(error: FerryError): IoResult<T> {
  return { ok: false, error };
}
