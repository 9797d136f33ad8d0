/** Imports a Windows phonebook or a NetworkManager connection file, telling the two apart by their content. */
import { readFile } from "node:fs/promises";
import type { ImportedProfile } from "./import-result.js";
import { decodeText, parseIni } from "./ini.js";
import { importNmConnection } from "./nm-connection.js";
import { importPhonebook } from "./phonebook.js";

export type ImportFormat = "phonebook" | "networkmanager";

export type FileImport =
  | {
      readonly ok: true;
      readonly format: ImportFormat;
      /** One per connection found: a phonebook may hold several entries. */
      readonly profiles: readonly { readonly source: string; readonly imported: ImportedProfile }[];
      /** Connections that are not PPTP, and why. */
      readonly skipped: readonly { readonly source: string; readonly reason: string }[];
    }
  | { readonly ok: false; readonly reason: string };

export async function importProfileFile(path: string): Promise<FileImport> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    return {
      ok: false,
      reason: `could not be read (${(error as NodeJS.ErrnoException).code ?? "unknown error"})`,
    };
  }
  return importProfileText(decodeText(bytes));
}

export function importProfileText(text: string): FileImport {
  const sections = parseIni(text);
  const names = new Set(sections.map((s) => s.name.toLowerCase()));
  if (names.has("vpn") || names.has("connection")) {
    const result = importNmConnection(text);
    return result.ok
      ? {
          ok: true,
          format: "networkmanager",
          profiles: [{ source: "connection", imported: result.imported }],
          skipped: [],
        }
      : { ok: false, reason: result.reason };
  }
  const isPhonebook = sections.some((s) =>
    s.entries.some(([key]) => /^(phonenumber|media|vpnstrategy)$/i.test(key)),
  );
  if (!isPhonebook)
    return {
      ok: false,
      reason: "is neither a Windows phonebook (rasphone.pbk) nor a NetworkManager connection file",
    };
  const entries = importPhonebook(text);
  return {
    ok: true,
    format: "phonebook",
    profiles: entries.flatMap((e) => (e.ok ? [{ source: e.entry, imported: e.imported }] : [])),
    skipped: entries.flatMap((e) => (e.ok ? [] : [{ source: e.entry, reason: e.reason }])),
  };
}
