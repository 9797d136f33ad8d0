/** The legacy-crypto note: said once, in one line, and gone for good when dismissed. */
import { byId } from "./dom.js";

const DISMISSED_KEY = "ferry.legacyCryptoNote.dismissed";

export function setUpLegacyNote(): void {
  const note = byId<HTMLElement>("legacy-note");
  if (localStorage.getItem(DISMISSED_KEY) === "1") {
    note.hidden = true;
    return;
  }
  note.hidden = false;
  byId<HTMLButtonElement>("legacy-note-dismiss").addEventListener("click", () => {
    localStorage.setItem(DISMISSED_KEY, "1");
    note.hidden = true;
  });
}
