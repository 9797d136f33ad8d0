/** Classifies failed configuration commands: already undone, not permitted, or something else in the way. */
import { type ErrorCode, type FerryError, ferryError } from "../errors.js";

const PRIVILEGE_HINT =
  "Run as root, or grant CAP_NET_ADMIN (e.g. setcap cap_net_admin+ep on the node binary); writing " +
  "/etc/resolv.conf needs root.";

/**
 * True when an undo failed only because its target is already gone: the interface vanished with the TUN
 * device (taking its routes and addresses along), or the change had never been applied.
 */
export function isAlreadyGone(stderr: string): boolean {
  return /Cannot find device|No such device|No such process|Address not found|Cannot assign requested address|Failed to resolve interface|Unknown interface|ENOENT: no such file/i.test(
    stderr,
  );
}

/** The error for a configuration step that failed: NOT_PERMITTED for a missing privilege, else LOCAL_IO_FAILED. */
export function osConfigError(summary: string, command: string, stderr: string, errno?: string): FerryError {
  const detail = { step: summary, command, stderr };
  const fail = (why: string, hint: string, code: ErrorCode = "LOCAL_IO_FAILED") =>
    ferryError(code, `Configuring the network (${summary}) failed: ${why}.`, hint, detail);
  if (/Operation not permitted|Permission denied|EACCES|EPERM/i.test(stderr)) {
    return fail(`\`${command}\` was not permitted`, PRIVILEGE_HINT, "NOT_PERMITTED");
  }
  if (errno === "ENOENT") {
    return fail(
      `the command \`${command.split(" ")[0]}\` was not found`,
      "Install iproute2 (and systemd-resolved's resolvectl for DNS), or check PATH.",
    );
  }
  if (/File exists/i.test(stderr)) {
    return fail(
      `\`${command}\` found one already in place`,
      "Another VPN or a leftover of an earlier run holds this route or address: check `ip route` and `ip addr`.",
    );
  }
  return fail(
    `\`${command}\` said: ${stderr.trim()}`,
    "Check the interface and routes with `ip addr` and `ip route`.",
  );
}
