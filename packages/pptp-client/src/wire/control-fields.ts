/**
 * Table-driven bodies of PPTP control messages. Every RFC 2637 control message is a fixed run of big-endian
 * integers, NUL-padded text fields and reserved octets, so one walker over a field table parses and emits all
 * fifteen of them instead of fifteen hand-written twins.
 */
import { latin1, readU16, readU32, writeU16, writeU32 } from "../util/bytes.js";

/** The keys of M (other than the `type` tag) whose values are V. */
type KeysOf<M, V> = { [K in Exclude<keyof M, "type">]-?: M[K] extends V ? K : never }[Exclude<
  keyof M,
  "type"
>] &
  string;

export type FieldSpec<M> =
  | { readonly kind: "u8" | "u16" | "u32"; readonly name: KeysOf<M, number> }
  /** Fixed-size text, NUL-padded on the wire. */
  | { readonly kind: "text"; readonly name: KeysOf<M, string>; readonly size: number }
  /** A 16-bit count of the octets used in a text field (e.g. Phone Number Length): derived when emitting. */
  | { readonly kind: "text-length"; readonly of: KeysOf<M, string> }
  /** Must be zero on the wire; we send zero and tolerate anything (pptp-linux met Cisco gear that sets them). */
  | { readonly kind: "reserved"; readonly size: 1 | 2 };

/** The untyped view the walkers work on; every `FieldSpec<M>` is one of these. */
type AnyField =
  | { readonly kind: "u8" | "u16" | "u32"; readonly name: string }
  | { readonly kind: "text"; readonly name: string; readonly size: number }
  | { readonly kind: "text-length"; readonly of: string }
  | { readonly kind: "reserved"; readonly size: 1 | 2 };

export const u8 = <N extends string>(name: N) => ({ kind: "u8", name }) as const;
export const u16 = <N extends string>(name: N) => ({ kind: "u16", name }) as const;
export const u32 = <N extends string>(name: N) => ({ kind: "u32", name }) as const;
export const text = <N extends string>(name: N, size: number) => ({ kind: "text", name, size }) as const;
export const textLength = <N extends string>(of: N) => ({ kind: "text-length", of }) as const;
export const reserved = (size: 1 | 2) => ({ kind: "reserved", size }) as const;

function fieldSize(field: AnyField): number {
  switch (field.kind) {
    case "u8":
      return 1;
    case "u16":
    case "text-length":
      return 2;
    case "u32":
      return 4;
    case "text":
    case "reserved":
      return field.size;
  }
}

export function fieldsSize<M>(fields: readonly FieldSpec<M>[]): number {
  let size = 0;
  for (const field of fields as readonly AnyField[]) size += fieldSize(field);
  return size;
}

export interface DecodedFields {
  readonly values: Record<string, number | string>;
  readonly reservedNonZero: boolean;
}

/** Reads the fields starting at `offset`; the caller has checked that `bytes` is long enough. */
export function decodeFields<M>(
  bytes: Uint8Array,
  offset: number,
  fields: readonly FieldSpec<M>[],
): DecodedFields {
  const values: Record<string, number | string> = {};
  let reservedNonZero = false;
  let off = offset;
  for (const field of fields as readonly AnyField[]) {
    switch (field.kind) {
      case "u8":
        values[field.name] = bytes[off]!;
        break;
      case "u16":
        values[field.name] = readU16(bytes, off);
        break;
      case "u32":
        values[field.name] = readU32(bytes, off);
        break;
      case "text":
        values[field.name] = decodeText(bytes.subarray(off, off + field.size));
        break;
      case "text-length":
        // Redundant with the NUL padding; real peers fill it carelessly, so the text field is what counts.
        break;
      case "reserved":
        for (let i = 0; i < field.size; i++) if (bytes[off + i] !== 0) reservedNonZero = true;
        break;
    }
    off += fieldSize(field);
  }
  return { values, reservedNonZero };
}

/** Writes the fields starting at `offset` into a zeroed buffer of the right size. */
export function encodeFields<M>(
  values: Readonly<Record<string, unknown>>,
  out: Uint8Array,
  offset: number,
  fields: readonly FieldSpec<M>[],
): void {
  const all = fields as readonly AnyField[];
  let off = offset;
  for (const field of all) {
    switch (field.kind) {
      case "u8":
        out[off] = Number(values[field.name]);
        break;
      case "u16":
        writeU16(out, off, Number(values[field.name]));
        break;
      case "u32":
        writeU32(out, off, Number(values[field.name]));
        break;
      case "text":
        out.set(encodeText(String(values[field.name]), field.size), off);
        break;
      case "text-length": {
        const target = all.find((f) => f.kind === "text" && f.name === field.of);
        const size = target === undefined ? 0 : fieldSize(target);
        writeU16(out, off, Math.min(String(values[field.of]).length, size));
        break;
      }
      case "reserved":
        break;
    }
    off += fieldSize(field);
  }
}

/** Text up to the first NUL, decoded as latin1 so that no byte sequence can fail. */
function decodeText(field: Uint8Array): string {
  const end = field.indexOf(0);
  return latin1(end === -1 ? field : field.subarray(0, end));
}

/** latin1 to mirror decoding (one octet per character); other characters become "?"; cut to the field. */
function encodeText(value: string, size: number): Uint8Array {
  const length = Math.min(value.length, size);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    out[i] = code <= 0xff ? code : 0x3f;
  }
  return out;
}
