import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chooseResolver, discoverServerRoute, parseRouteGet } from "../../src/os/discover.js";
import { isAlreadyGone, osConfigError } from "../../src/os/os-errors.js";
import { parseProcStatStart, parseStateRecord } from "../../src/os/state-file.js";

describe("parseRouteGet", () => {
  it("reads the gateway and device of `ip -j route get`", () => {
    const stdout =
      '[{"dst":"203.0.113.10","gateway":"198.51.100.1","dev":"eth0","prefsrc":"198.51.100.2","flags":[],"uid":0,"cache":[]}]\n';
    expect(parseRouteGet(stdout)).toEqual({ gateway: "198.51.100.1", dev: "eth0" });
  });

  it("reads an on-link route as the device alone", () => {
    expect(parseRouteGet('[{"dst":"198.51.100.7","dev":"eth0","prefsrc":"198.51.100.2"}]')).toEqual({
      dev: "eth0",
    });
  });

  it("never throws on odd output", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        parseRouteGet(text);
      }),
    );
    expect(parseRouteGet("[]")).toBeUndefined();
    expect(parseRouteGet("null")).toBeUndefined();
  });

  it("turns a missing route into SERVER_UNREACHABLE", async () => {
    const result = await discoverServerRoute("203.0.113.10", async () => ({
      ok: false,
      stderr: "RTNETLINK answers: Network is unreachable",
    }));
    expect(!result.ok && result.error.code).toBe("SERVER_UNREACHABLE");
  });
});

describe("chooseResolver", () => {
  it("picks systemd-resolved only when resolv.conf leads to it and resolvectl exists", () => {
    expect(chooseResolver("/run/systemd/resolve/stub-resolv.conf", true)).toBe("resolved");
    expect(chooseResolver("/run/systemd/resolve/stub-resolv.conf", false)).toBe("resolv.conf");
    expect(chooseResolver("/etc/resolv.conf", true)).toBe("resolv.conf");
    expect(chooseResolver(undefined, true)).toBe("resolv.conf");
  });
});

describe("failure classification", () => {
  it("knows the messages of targets already gone", () => {
    for (const stderr of [
      'Cannot find device "ferry0"',
      "RTNETLINK answers: No such process",
      "Error: ipv4: Address not found.",
      'Failed to resolve interface "ferry0": No such device',
    ]) {
      expect(isAlreadyGone(stderr)).toBe(true);
    }
    expect(isAlreadyGone("RTNETLINK answers: File exists")).toBe(false);
    expect(isAlreadyGone("RTNETLINK answers: Operation not permitted")).toBe(false);
  });

  it("explains a missing command", () => {
    const error = osConfigError(
      "DNS",
      "resolvectl dns ferry0 10.8.0.53",
      "spawn resolvectl ENOENT",
      "ENOENT",
    );
    expect(error.message).toContain("resolvectl");
    expect(error.hint).toMatch(/Install/);
  });
});

describe("state files", () => {
  it("reads a process start time past a name with spaces and parentheses", () => {
    const stat = "4242 (node (x) y) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 11 0 987654 1000 50";
    expect(parseProcStatStart(stat)).toBe("987654");
  });

  it("never throws on a damaged state file", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          parseStateRecord(text);
        },
      ),
    );
    expect(
      parseStateRecord('{"version":1,"ifname":"x","pid":1,"changes":[{"summary":"s"}]}'),
    ).toBeUndefined();
  });
});
