/** Turns the addon's system errors into FerryErrors a person can act on. */
import { type ErrorCode, type FerryError, ferryError } from "../errors.js";
import type { NativeSystemError } from "./native.js";

const PRIVILEGE_HINT =
  "Run as root, or grant CAP_NET_ADMIN and CAP_NET_RAW (e.g. setcap cap_net_admin,cap_net_raw+ep on the node binary).";

/** Which resource failed: it picks the hint and the code when the errno alone does not say. */
export type IoSubject = "tun" | "gre";

function systemErrorFields(cause: unknown): { errno: string; syscall: string; what: string } {
  const error = cause as Partial<NativeSystemError> | undefined;
  const errno = typeof error?.code === "string" ? error.code : "UNKNOWN";
  const syscall = typeof error?.syscall === "string" ? error.syscall : "unknown";
  // Not a system error: a bad argument (e.g. a server that is not a dotted quad) says what it is itself.
  const what = errno === "UNKNOWN" && cause instanceof Error ? cause.message : `${syscall} returned ${errno}`;
  return { errno, syscall, what };
}

/**
 * @param action what was attempted, as the start of a sentence ("Opening the TUN device ferry0").
 */
export function ioError(subject: IoSubject, action: string, cause: unknown): FerryError {
  const { errno, syscall, what } = systemErrorFields(cause);
  const detail = { errno, syscall };
  const fail = (code: ErrorCode, why: string, hint: string): FerryError =>
    ferryError(code, `${action} failed: ${why}.`, hint, detail, cause);

  if (errno === "EPERM" || errno === "EACCES") {
    return fail("NOT_PERMITTED", "the process lacks the privilege", PRIVILEGE_HINT);
  }
  if (subject === "tun") {
    if (syscall === "open" && (errno === "ENOENT" || errno === "ENODEV" || errno === "ENXIO")) {
      return fail(
        "LOCAL_IO_FAILED",
        "the TUN driver is missing (/dev/net/tun)",
        "Load the tun module (modprobe tun); in a container, pass the /dev/net/tun device in.",
      );
    }
    if (errno === "EBUSY") {
      return fail(
        "LOCAL_IO_FAILED",
        "an interface of that name exists and is in use",
        "Choose another interface name, or remove the old one (ip link delete NAME).",
      );
    }
    return fail("LOCAL_IO_FAILED", what, "Check that the TUN device still exists.");
  }
  if (errno === "EPROTONOSUPPORT" || errno === "ESOCKTNOSUPPORT" || errno === "EAFNOSUPPORT") {
    return fail(
      "LOCAL_IO_FAILED",
      "this system has no raw IPv4 sockets",
      "Use wrap mode, which carries GRE over TLS instead of raw IP protocol 47.",
    );
  }
  return fail(
    "SERVER_UNREACHABLE",
    what,
    "Check the network connection and the server address; a firewall may drop IP protocol 47 (GRE).",
  );
}
