import { describe, expect, it } from "vitest";
import { authMethodFromOption, authOptionData, authProtocol } from "../../src/ppp/auth/auth-phase.js";
import { fromHex } from "../../src/util/bytes.js";

describe("LCP Auth-Protocol option data", () => {
  it.each([
    ["C22381", "mschapv2"],
    ["C22305", "chap-md5"],
    ["C023", "pap"],
  ] as const)("%s is %s and back", (hex, method) => {
    expect(authMethodFromOption(fromHex(hex))).toBe(method);
    expect(authOptionData(method)).toEqual(fromHex(hex));
  });

  it.each(["C22380", "C223", "C2238100", "C02300", "C227", "", "C0"])("does not know %s", (hex) => {
    expect(authMethodFromOption(fromHex(hex))).toBeUndefined();
  });

  it("names the protocol each method speaks", () => {
    expect(authProtocol("mschapv2")).toBe(0xc223);
    expect(authProtocol("chap-md5")).toBe(0xc223);
    expect(authProtocol("pap")).toBe(0xc023);
  });
});
