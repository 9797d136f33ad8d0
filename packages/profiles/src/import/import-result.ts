/** What an import produces: a profile document to check and save, and what did not carry over. */

export interface ImportedProfile {
  /** The profile document, with only the fields the source set (the schema's defaults cover the rest). */
  readonly document: Record<string, unknown>;
  /** One sentence each: what was dropped or changed on the way, and what to do about it. */
  readonly notes: readonly string[];
}

export const PASSWORD_NOT_IMPORTED = "the password was not imported; enter it on first connect";

/** A profile id from a connection's name: "Office VPN (Berlin)" -> "office-vpn-berlin". */
export function slugFromName(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "") // the accents NFKD split off: "ü" -> "u"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return slug === "" ? "imported" : slug;
}
