/** Test vectors are written as spaced hex, the way PROTOCOL.md shows them. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: ${text}`);
  return new Uint8Array(Buffer.from(clean, "hex"));
}

export function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}
