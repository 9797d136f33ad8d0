/** The outcome of parsing bytes from the network: a typed value, or the reason the bytes were refused. */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

export function parsed<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function malformed<T = never>(reason: string): ParseResult<T> {
  return { ok: false, reason };
}
