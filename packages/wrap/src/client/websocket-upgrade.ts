/**
 * The WebSocket upgrade over a socket that is already connected (and verified): `ws` does the HTTP part, this
 * adds the version negotiation of PROTOCOL.md section 2 (offer ferry.v1; a 426 or no chosen version means the
 * relay speaks something else, named in its Ferry-Protocols header).
 */
import type { Socket } from "node:net";
import { failed, type IoResult, opened } from "@ferry/pptp-client/tunnel";
import { WebSocket } from "ws";
import { type WrapError, type WrapErrorCode, wrapError } from "../errors.js";
import { WRAP_MAX_FRAME_LENGTH } from "../wire/index.js";

export const WRAP_SUBPROTOCOL = "ferry.v1";
const UPGRADE_REQUIRED = 426;

export function upgradeToWebSocket(
  url: URL,
  socket: Socket,
  timeoutMs: number,
): Promise<IoResult<WebSocket, WrapErrorCode>> {
  return new Promise((resolve) => {
    let chosenVersion: string | undefined;
    let relayVersions: string | undefined;
    const ws = new WebSocket(url, [WRAP_SUBPROTOCOL], {
      createConnection: () => socket,
      perMessageDeflate: false,
      maxPayload: WRAP_MAX_FRAME_LENGTH,
      handshakeTimeout: timeoutMs,
      followRedirects: false,
    });
    const fail = (error: WrapError) => {
      ws.removeAllListeners();
      ws.on("error", () => {}); // ws may still report the aborted handshake; it is explained already
      socket.destroy();
      resolve(failed(error));
    };
    ws.once("upgrade", (response) => {
      chosenVersion = headerText(response.headers["sec-websocket-protocol"]) ?? "";
      relayVersions = headerText(response.headers["ferry-protocols"]);
    });
    ws.once("unexpected-response", (_request, response) => {
      const status = response.statusCode ?? 0;
      fail(
        status === UPGRADE_REQUIRED
          ? versionMismatch(headerText(response.headers["ferry-protocols"]))
          : wrapError(
              "RELAY_UNREACHABLE",
              `The relay URL ${url.href} answered HTTP ${status} instead of accepting a WebSocket.`,
              "Check the relay URL in the profile (host, port and path).",
              { httpStatus: status },
            ),
      );
    });
    ws.once("error", (error) => {
      // A 101 that chose no version we offered is the version mismatch; any other failure (no answer, a bad
      // accept key, ...) means whatever answered is no working relay.
      fail(
        chosenVersion !== undefined && chosenVersion !== WRAP_SUBPROTOCOL
          ? versionMismatch(relayVersions)
          : wrapError(
              "RELAY_UNREACHABLE",
              `The WebSocket upgrade with the relay failed (${error.message}).`,
              "Check the relay URL in the profile; a proxy or firewall that rewrites HTTPS also causes this.",
              {},
              error,
            ),
      );
    });
    ws.once("open", () => {
      ws.removeAllListeners();
      resolve(opened(ws));
    });
  });
}

function versionMismatch(relayVersions: string | undefined): WrapError {
  return wrapError(
    "RELAY_VERSION_MISMATCH",
    `The relay speaks ${relayVersions || "another protocol version"}; this Ferry speaks ${WRAP_SUBPROTOCOL}.`,
    `Update Ferry, or ask the relay's administrator to enable ${WRAP_SUBPROTOCOL}.`,
    relayVersions === undefined ? {} : { relayProtocols: relayVersions },
  );
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}
