/**
 * How the client decides the relay is the relay: the system's trusted CAs, one CA the profile names, or the
 * SHA-256 fingerprint of the relay's own certificate. A pin replaces both the chain and the host name check:
 * whoever holds that key is the relay. Every check completes before the first byte of WebSocket is sent.
 */
import { readFile } from "node:fs/promises";
import { isIP, type Socket } from "node:net";
import { connect, type TLSSocket } from "node:tls";
import { failed, type IoResult, opened } from "@ferry/pptp-client/tunnel";
import { type WrapError, type WrapErrorCode, wrapError } from "../errors.js";

export type TlsTrust =
  /** Node's bundled CA list; the host name must match. */
  | { readonly kind: "system" }
  /** Only certificates issued by the CA(s) in this PEM file; the host name must still match. */
  | { readonly kind: "ca"; readonly caFile: string }
  /** Only the leaf certificate with this SHA-256 fingerprint (hex, colons optional, any case). */
  | { readonly kind: "fingerprint"; readonly sha256: string };

/** A fingerprint in Node's `fingerprint256` form ("AB:CD:..."), or undefined if `text` is not 32 bytes of hex. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.replace(/[:\s]/g, "").toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(":");
}

/**
 * TLS over an already connected `socket` to the relay named `host`, verified as `trust` says. Resolves once the
 * handshake finished and the certificate passed; every failure is RELAY_TLS_FAILED and destroys the socket.
 */
export async function secureRelaySocket(
  socket: Socket,
  host: string,
  trust: TlsTrust,
  timeoutMs: number,
): Promise<IoResult<TLSSocket, WrapErrorCode>> {
  const pin = trust.kind === "fingerprint" ? normalizeFingerprint(trust.sha256) : undefined;
  if (trust.kind === "fingerprint" && pin === undefined) {
    socket.destroy();
    return failed(
      tlsFailure(
        "The relay certificate fingerprint in the profile is not a SHA-256 fingerprint.",
        "Ask IT for the fingerprint as 64 hex digits (colons allowed).",
      ),
    );
  }
  let ca: string | undefined;
  if (trust.kind === "ca") {
    try {
      ca = await readFile(trust.caFile, "utf8");
    } catch (error) {
      socket.destroy();
      return failed(
        tlsFailure(
          `The relay CA file ${trust.caFile} could not be read.`,
          "Check the CA file named in the profile.",
          { caFile: trust.caFile, errno: (error as NodeJS.ErrnoException).code ?? "unknown" },
          error,
        ),
      );
    }
  }
  return new Promise((resolve) => {
    const secure = connect({
      socket,
      // `host` is what the certificate is checked against (without it Node checks "localhost"); SNI is for names only.
      host,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      minVersion: "TLSv1.2",
      ALPNProtocols: ["http/1.1"],
      ...(ca === undefined ? {} : { ca }),
      ...(pin === undefined ? {} : { rejectUnauthorized: false, checkServerIdentity: () => undefined }),
    });
    const fail = (error: WrapError) => {
      secure.destroy();
      resolve(failed(error));
    };
    const stalled = () =>
      fail(
        tlsFailure(
          `The TLS handshake with the relay did not finish within ${timeoutMs} ms.`,
          "The network to the relay is stalling; try again or try another network.",
        ),
      );
    secure.setTimeout(timeoutMs, stalled);
    // Stays attached after the handshake: a later error destroys a socket that is broken anyway, and the
    // WebSocket sees the close; without a listener an early error would crash the process.
    secure.on("error", (error: NodeJS.ErrnoException) => fail(handshakeFailure(error, host)));
    secure.once("secureConnect", () => {
      const seen = secure.getPeerCertificate().fingerprint256 ?? "";
      if (pin !== undefined && seen !== pin) {
        fail(
          tlsFailure(
            `The relay's certificate does not match the fingerprint pinned in the profile (it presented ${seen || "none"}).`,
            "If the relay's certificate was renewed, get the new fingerprint from IT; otherwise the connection may be intercepted.",
            { expected: pin, seen },
          ),
        );
        return;
      }
      secure.setTimeout(0);
      secure.off("timeout", stalled);
      resolve(opened(secure));
    });
  });
}

/** Why OpenSSL or Node refused the relay's certificate, in words. */
function handshakeFailure(error: NodeJS.ErrnoException, host: string): WrapError {
  const code = error.code ?? "unknown";
  const [reason, hint] = CERTIFICATE_PROBLEMS[code] ?? [
    `the TLS handshake failed (${error.message})`,
    "Check the relay URL; a TLS-inspecting firewall or a relay requiring a client certificate also causes this.",
  ];
  return tlsFailure(
    `The relay's TLS could not be verified: ${reason.replace("{host}", host)}.`,
    hint,
    { tlsError: code },
    error,
  );
}

const NOT_TRUSTED_HINT =
  "Ask IT for the relay's CA file or certificate fingerprint and put it in the profile; a TLS-inspecting firewall also causes this.";

const CERTIFICATE_PROBLEMS: Readonly<Record<string, readonly [string, string]>> = {
  CERT_HAS_EXPIRED: [
    "its certificate has expired",
    "Ask the relay's administrator to renew it, and check this computer's clock.",
  ],
  CERT_NOT_YET_VALID: [
    "its certificate is not valid yet",
    "Check this computer's clock, or ask the relay's administrator.",
  ],
  DEPTH_ZERO_SELF_SIGNED_CERT: ["its certificate is self-signed", NOT_TRUSTED_HINT],
  SELF_SIGNED_CERT_IN_CHAIN: ["its certificate chain ends in an untrusted self-signed CA", NOT_TRUSTED_HINT],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ["its certificate is not signed by a trusted CA", NOT_TRUSTED_HINT],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ["its certificate is not signed by a trusted CA", NOT_TRUSTED_HINT],
  ERR_TLS_CERT_ALTNAME_INVALID: [
    "its certificate is not issued for {host}",
    "Check the relay host in the profile's relay URL.",
  ],
};

function tlsFailure(
  message: string,
  hint: string,
  detail?: Record<string, string>,
  cause?: unknown,
): WrapError {
  return wrapError("RELAY_TLS_FAILED", message, hint, detail, cause);
}
