/**
 * The relay's bearer tokens (PROTOCOL.md section 3): read from the tokens file, compared in constant time. Every
 * candidate is hashed with SHA-256 and compared digest to digest against every token, so neither the length of a
 * token nor which one matched shows in the time taken.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { type WrapError, wrapError } from "../errors.js";
import { isToken } from "../wire/relay-messages.js";

export type TokensResult =
  | { readonly ok: true; readonly value: TokenSet }
  | { readonly ok: false; readonly error: WrapError };

export class TokenSet {
  private readonly digests: readonly Buffer[];

  private constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  /** The tokens, each 1..1024 visible ASCII characters; at least one. */
  static of(tokens: readonly string[]): TokensResult {
    if (tokens.length === 0) return noTokens("the relay was given no tokens");
    const bad = tokens.findIndex((token) => token === "" || !isToken(token));
    if (bad >= 0) return badToken(`token number ${bad + 1}`);
    return { ok: true, value: new TokenSet(tokens) };
  }

  /**
   * A tokens file: one token per line; blank lines and lines starting with `#` are ignored, as is white space
   * around a token. A file without a single token is an error (a relay nobody can use is a misconfiguration).
   */
  static parseFile(text: string, fileName: string): TokensResult {
    const tokens: string[] = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === "" || line.startsWith("#")) continue;
      // The message names the line, never its content: the token is a secret.
      if (!isToken(line)) return badToken(`line ${i + 1} of ${fileName}`);
      tokens.push(line);
    }
    if (tokens.length === 0) return noTokens(`${fileName} holds no token`);
    return TokenSet.of(tokens);
  }

  get size(): number {
    return this.digests.length;
  }

  /** True when `token` is one of the set; the time taken does not depend on which one, or on the token's length. */
  matches(token: string): boolean {
    const candidate = digest(token);
    let found = false;
    // No early exit: every digest is compared whatever the outcome.
    for (const known of this.digests) found = timingSafeEqual(candidate, known) || found;
    return found;
  }

  /**
   * The relay's authentication rule: a non-empty token must be one of the set; an empty token is accepted only from
   * a client that presented a valid TLS client certificate.
   */
  authorize(token: string, clientCertOk: boolean): boolean {
    if (token === "") return clientCertOk;
    return this.matches(token);
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

function noTokens(what: string): { ok: false; error: WrapError } {
  return {
    ok: false,
    error: wrapError(
      "USAGE",
      `The relay cannot start: ${what}.`,
      "Put at least one token (one per line, visible ASCII) in the tokens file.",
    ),
  };
}

function badToken(where: string): { ok: false; error: WrapError } {
  return {
    ok: false,
    error: wrapError(
      "USAGE",
      `The relay cannot start: ${where} is not a token (1..1024 visible ASCII characters, no spaces).`,
      "Fix that line of the tokens file; tokens are printable ASCII without spaces.",
    ),
  };
}
