/**
 * The INI dialect both rasphone.pbk and NetworkManager keyfiles are written in: [Section] headers, KEY=VALUE
 * lines, # and ; comments. A section keeps every line in order, because a phonebook entry repeats keys (its MEDIA
 * and DEVICE sub-sections) and the first occurrence is the one that counts.
 */

export interface IniSection {
  readonly name: string;
  readonly entries: readonly (readonly [key: string, value: string])[];
}

export function parseIni(text: string): IniSection[] {
  const sections: { name: string; entries: [string, string][] }[] = [];
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.*)\]$/.exec(line);
    if (header !== null) {
      sections.push({ name: header[1]!.trim(), entries: [] });
      continue;
    }
    const equals = line.indexOf("=");
    if (equals <= 0 || sections.length === 0) continue; // not a setting: neither format has such lines to keep
    sections.at(-1)!.entries.push([line.slice(0, equals).trim(), line.slice(equals + 1).trim()]);
  }
  return sections;
}

/** The first value of `key` in the section (keys compare case-insensitively, as Windows does). */
export function iniValue(section: IniSection | undefined, key: string): string | undefined {
  const wanted = key.toLowerCase();
  return section?.entries.find(([k]) => k.toLowerCase() === wanted)?.[1];
}

/** Text from a file that may be UTF-16 (Windows writes some phonebooks so) or UTF-8. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return Buffer.from(bytes.subarray(2)).toString("utf16le");
  return Buffer.from(bytes).toString("utf8");
}
