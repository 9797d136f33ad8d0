import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ioError } from "../../src/io/io-errors.js";

function systemError(code: string, syscall: string): Error {
  return Object.assign(new Error(`${syscall} failed: ${code}`), { code, errno: 1, syscall });
}

describe("ioError", () => {
  it("maps EPERM and EACCES to NOT_PERMITTED with the capabilities to grant", () => {
    for (const code of ["EPERM", "EACCES"]) {
      for (const subject of ["tun", "gre"] as const) {
        const error = ioError(subject, "Opening it", systemError(code, "socket"));
        expect(error.code).toBe("NOT_PERMITTED");
        expect(error.hint).toContain("CAP_NET_ADMIN and CAP_NET_RAW");
        expect(error.detail).toEqual({ errno: code, syscall: "socket" });
      }
    }
  });

  it("says to load the tun module when /dev/net/tun is missing", () => {
    const error = ioError("tun", "Opening the TUN device", systemError("ENOENT", "open"));
    expect(error.code).toBe("LOCAL_IO_FAILED");
    expect(error.hint).toContain("modprobe tun");
  });

  it("names a busy interface", () => {
    expect(ioError("tun", "Opening", systemError("EBUSY", "ioctl(TUNSETIFF)")).hint).toContain(
      "ip link delete",
    );
  });

  it("maps an unreachable server to SERVER_UNREACHABLE", () => {
    const error = ioError("gre", "Connecting", systemError("ENETUNREACH", "connect"));
    expect(error.code).toBe("SERVER_UNREACHABLE");
    expect(error.message).toBe("Connecting failed: connect returned ENETUNREACH.");
  });

  it("passes on what a bad argument says about itself", () => {
    const error = ioError("gre", "Opening", new TypeError("address must be a dotted-quad IPv4 address"));
    expect(error.message).toBe("Opening failed: address must be a dotted-quad IPv4 address.");
  });

  it("points to wrap mode when the system has no raw sockets", () => {
    expect(ioError("gre", "Opening", systemError("EPROTONOSUPPORT", "socket")).hint).toContain("wrap mode");
  });

  it("never throws, whatever the cause", () => {
    fc.assert(
      fc.property(fc.constantFrom("tun" as const, "gre" as const), fc.anything(), (subject, cause) => {
        const error = ioError(subject, "Doing it", cause);
        expect(error.message.length).toBeGreaterThan(0);
        expect(error.hint.length).toBeGreaterThan(0);
      }),
    );
  });
});
