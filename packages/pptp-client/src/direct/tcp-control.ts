import { connect, type Socket } from "node:net";
import { type FerryError, ferryError } from "../errors.js";
import { failed, type IoResult, opened } from "../io/io-result.js";

export const PPTP_PORT = 1723;

/** Opens the PPTP control connection (TCP 1723), with the failure told the way a network engineer would. */
export function connectControl(
  server: string,
  timeoutMs: number,
  port = PPTP_PORT,
): Promise<IoResult<Socket>> {
  return new Promise((resolve) => {
    const socket = connect({ host: server, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(failed(unreachable(server, port, "ETIMEDOUT", timeoutMs)));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(opened(socket));
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(failed(unreachable(server, port, error.code ?? "UNKNOWN", timeoutMs, error)));
    });
  });
}

function unreachable(
  server: string,
  port: number,
  code: string,
  timeoutMs: number,
  cause?: unknown,
): FerryError {
  const where = `${server}:${port}`;
  const detail = { server, port, errno: code };
  switch (code) {
    case "ECONNREFUSED":
      return ferryError(
        "SERVER_UNREACHABLE",
        `${where} refused the connection: nothing is listening on TCP ${port} there.`,
        "Check the server address, and that the PPTP service (pptpd, RRAS) runs on that host.",
        detail,
        cause,
      );
    case "ETIMEDOUT":
      return ferryError(
        "SERVER_UNREACHABLE",
        `No answer from ${where} within ${timeoutMs / 1000} s: a firewall is probably dropping TCP ${port}.`,
        `Allow TCP ${port} to the server on every firewall on the path, or connect through a Ferry relay.`,
        detail,
        cause,
      );
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return ferryError(
        "SERVER_UNREACHABLE",
        `There is no route to ${server} from this machine.`,
        "Check your network connection and the server address.",
        detail,
        cause,
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return ferryError(
        "SERVER_UNREACHABLE",
        `The name ${server} could not be resolved.`,
        "Check the spelling of the server name and that DNS works on this network.",
        detail,
        cause,
      );
    default:
      return ferryError(
        "SERVER_UNREACHABLE",
        `Could not connect to ${where} (${code}).`,
        "Check the server address and your network connection.",
        detail,
        cause,
      );
  }
}
