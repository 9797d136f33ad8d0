/** Text a server sends (CHAP/PAP messages, MS-CHAPv2 M=) made safe to quote in an error. */
import { latin1 } from "../../util/bytes.js";

const MAX_QUOTED_LENGTH = 120;
const REDACTED = "***";

/**
 * Keeps printable characters only (the text is already decoded as latin1), collapses whitespace, caps the length,
 * and blanks out the secret in case a server echoes it: error messages end up in logs and screenshots.
 */
export function quoteServerText(text: string, secret: string): string {
  let printable = "";
  for (const c of text) printable += isControl(c) ? " " : c;
  printable = printable.replace(/\s+/g, " ").trim();
  const redacted = redact(printable, secret);
  if (redacted.length <= MAX_QUOTED_LENGTH) return redacted;
  // Redact again: cutting and appending the ellipsis must not form the secret either.
  return redact(`${redacted.slice(0, MAX_QUOTED_LENGTH - 3)}...`, secret);
}

/** The error detail entry for a server's free-text message; nothing when it sent none. */
export function serverMessageDetail(message: Uint8Array, secret: string): Readonly<Record<string, string>> {
  return message.length === 0 ? {} : { serverMessage: quoteServerText(latin1(message), secret) };
}

/** C0, DEL and C1: terminal escapes and line breaks have no place in a one-line error. */
export function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function redact(text: string, secret: string): string {
  return secret.length === 0 ? text : text.split(secret).join(REDACTED);
}
