/** The relay options of `ferry connect`: which relay, how to trust its certificate, where the token is. */
import { readFile } from "node:fs/promises";
import { type FerryError, ferryError } from "@ferry/pptp-client";
import { failed, type IoResult, opened } from "@ferry/pptp-client/tunnel";
import { isToken, type TlsTrust } from "@ferry/wrap";
import { usageError as usage } from "./usage-error.js";

export interface RelayPlan {
  readonly url: string;
  readonly tokenFile: string;
  readonly trust: TlsTrust;
}

interface RelayValues {
  readonly relay?: string | undefined;
  readonly "relay-token-file"?: string | undefined;
  readonly "relay-ca"?: string | undefined;
  readonly "relay-fingerprint"?: string | undefined;
}

const FINGERPRINT = /^(?:[0-9a-f]{2}:?){31}[0-9a-f]{2}$/i;

/** The relay part of the plan; undefined when no relay option is given, a USAGE error when they do not fit. */
export function relayPlan(values: RelayValues): RelayPlan | FerryError | undefined {
  const url = values.relay;
  const tokenFile = values["relay-token-file"];
  const ca = values["relay-ca"];
  const fingerprint = values["relay-fingerprint"];
  if (url === undefined) {
    return tokenFile === undefined && ca === undefined && fingerprint === undefined
      ? undefined
      : usage("--relay-token-file, --relay-ca and --relay-fingerprint need --relay.");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return usage(`--relay ${url} is not a URL: write it as wss://HOST[:PORT][/PATH].`);
  }
  if (parsed.protocol !== "wss:" && parsed.protocol !== "ws:")
    return usage(`--relay ${url} must start with wss://.`);
  if (tokenFile === undefined)
    return usage("--relay needs --relay-token-file (the file with the relay token).");
  const trust = trustFrom(ca, fingerprint);
  return "code" in trust ? trust : { url, tokenFile, trust };
}

/** How to verify the relay's certificate: a CA file, a pinned fingerprint, or (neither given) the system's CAs. */
export function trustFrom(ca: string | undefined, fingerprint: string | undefined): TlsTrust | FerryError {
  if (ca !== undefined && fingerprint !== undefined)
    return usage("--relay-ca and --relay-fingerprint exclude each other: choose one.");
  if (fingerprint !== undefined && !FINGERPRINT.test(fingerprint))
    return usage("--relay-fingerprint must be a SHA-256 fingerprint: 64 hex digits, colons allowed.");
  if (ca !== undefined) return { kind: "ca", caFile: ca };
  if (fingerprint !== undefined) return { kind: "fingerprint", sha256: fingerprint };
  return { kind: "system" };
}

/** The token in the file: its first line, trimmed. The file may be readable by root only; the token never shows. */
export async function readRelayToken(file: string): Promise<IoResult<string>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? "UNKNOWN";
    return failed(
      ferryError(
        "USAGE",
        `The relay token file ${file} could not be read (${code}).`,
        "Check the path given to --relay-token-file and that this user may read it.",
        { file, errno: code },
      ),
    );
  }
  const token = (text.split(/\r?\n/)[0] ?? "").trim();
  if (token === "" || !isToken(token))
    return failed(
      ferryError(
        "USAGE",
        `The relay token file ${file} holds no usable token on its first line.`,
        "Put the token IT gave you on the first line: printable characters, no spaces, at most 1024.",
        { file },
      ),
    );
  return opened(token);
}
